# A plain .xls: one visible worksheet with one text cell. Nothing to report.
$PY "$FIXTURES/mkbiff.py" --no-macro "$OUT"
