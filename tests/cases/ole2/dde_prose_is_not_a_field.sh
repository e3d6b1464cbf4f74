# Text that talks about DDE, with no field: passes. The WordDocument stream
# must still have been reached whole (its sha256 is that of the 37 bytes
# below, printf '...' | sha256sum), so the pass is not a missed stream.
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="This has no DDE links nor dde fields."
