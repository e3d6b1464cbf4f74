$PY "$FIXTURES/mkooxml.py" docx_template "$OUT"
