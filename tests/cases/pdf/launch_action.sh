$PY "$FIXTURES/mkpdf.py" launch "$OUT"
