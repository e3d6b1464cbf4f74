$PY "$FIXTURES/mkpdf.py" js_string "$OUT"
