$PY "$FIXTURES/mkpdf.py" js_objstm "$OUT"
