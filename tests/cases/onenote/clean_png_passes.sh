$PY "$FIXTURES/mkonenote.py" clean "$OUT"
