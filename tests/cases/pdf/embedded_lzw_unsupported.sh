$PY "$FIXTURES/mkpdf.py" lzw_embedded "$OUT"
