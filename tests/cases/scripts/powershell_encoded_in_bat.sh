$PY "$FIXTURES/mkscript.py" ps_encoded "$OUT"
