# Text that talks about DDE, with no field: passes.
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="This has no DDE links nor dde fields."
