$PY "$FIXTURES/mkrtf.py" nested "$OUT"
