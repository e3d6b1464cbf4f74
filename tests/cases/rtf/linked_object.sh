$PY "$FIXTURES/mkrtf.py" linked "$OUT"
