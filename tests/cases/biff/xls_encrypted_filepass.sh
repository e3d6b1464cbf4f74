# An .xls whose Workbook stream has a FILEPASS record (RC4 header): the
# workbook is encrypted, so no formulas are read and it fails closed.
$PY "$FIXTURES/mkbiff.py" --encrypted "$OUT"
