# A plain .xls: one visible worksheet with one text cell. Nothing to report,
# but the Workbook stream must have been reached and read as BIFF: its
# sha256 is that of `mkbiff.py --no-macro --raw`'s 133 bytes padded with
# NULs to the 4096 mkbiff.py's ole2() stores (so it is not a mini stream).
# No xlm.txt child: there is no macro sheet.
$PY "$FIXTURES/mkbiff.py" --no-macro "$OUT"
