$PY "$FIXTURES/mkooxml.py" xlsx_dde "$OUT"
