$PY "$FIXTURES/mkhtml.py" base64_split "$OUT"
