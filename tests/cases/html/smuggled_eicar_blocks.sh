$PY "$FIXTURES/mkhtml.py" data_url "$OUT" "$EICAR"
