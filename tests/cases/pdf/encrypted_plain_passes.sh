# An /Encrypt dictionary and a text page only. Passes, but the PDF must have
# been walked: all 5 objects mkpdf.py writes (font, content stream, page,
# pages, catalog) counted, the encryption seen, and no JavaScript or
# OpenAction key among them.
$PY "$FIXTURES/mkpdf.py" encrypted "$OUT"
