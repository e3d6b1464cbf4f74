$PY "$FIXTURES/mkscript.py" hta_smuggle "$OUT"
