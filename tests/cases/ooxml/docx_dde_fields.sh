$PY "$FIXTURES/mkooxml.py" docx_dde "$OUT"
