$PY "$FIXTURES/mkpdf.py" clean "$OUT"
