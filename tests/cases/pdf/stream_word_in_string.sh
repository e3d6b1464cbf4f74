$PY "$FIXTURES/mkpdf.py" fake_stream "$OUT"
