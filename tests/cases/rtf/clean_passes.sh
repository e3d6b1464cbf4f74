$PY "$FIXTURES/mkrtf.py" clean "$OUT"
