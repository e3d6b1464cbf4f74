$PY "$FIXTURES/mkpdf.py" encrypted_js "$OUT"
