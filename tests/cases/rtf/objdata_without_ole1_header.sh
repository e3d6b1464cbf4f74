$PY "$FIXTURES/mkrtf.py" raw "$OUT"
