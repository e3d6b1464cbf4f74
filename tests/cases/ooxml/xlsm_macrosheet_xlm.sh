$PY "$FIXTURES/mkooxml.py" xlsm_xlm "$OUT"
