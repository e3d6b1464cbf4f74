$PY "$FIXTURES/mkpdf.py" encrypted "$OUT"
