$PY "$FIXTURES/mkscript.py" vbe "$OUT"
