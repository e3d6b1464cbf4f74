$PY "$FIXTURES/mkpdf.py" js_utf16 "$OUT"
