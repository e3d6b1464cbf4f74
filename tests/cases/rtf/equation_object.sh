$PY "$FIXTURES/mkrtf.py" equation "$OUT"
