$PY "$FIXTURES/mkrtf.py" package "$OUT" "$EICAR"
