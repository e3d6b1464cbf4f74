# The Workbook stream cut inside the macro sheet: the sheet is still
# reported, what was read is handed back, and the cut is error.corrupt.
$PY "$FIXTURES/mkbiff.py" --truncate 560 "$OUT"
