$PY "$FIXTURES/mkpdf.py" embedded "$OUT" "$EICAR"
