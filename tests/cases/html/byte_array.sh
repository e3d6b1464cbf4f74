$PY "$FIXTURES/mkhtml.py" array "$OUT"
