$PY "$FIXTURES/mkooxml.py" docx_clean "$OUT"
