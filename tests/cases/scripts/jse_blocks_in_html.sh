$PY "$FIXTURES/mkscript.py" vbe_html "$OUT"
