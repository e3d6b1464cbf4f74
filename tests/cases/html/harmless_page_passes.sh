$PY "$FIXTURES/mkhtml.py" harmless "$OUT"
