$PY "$FIXTURES/mkpdf.py" embedded_a85 "$OUT"
