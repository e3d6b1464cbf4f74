# A tar whose size field lies: the first member's size is 2^62 in base-256 (checksum recomputed, so only the size
# is wrong). error.corrupt, never pass.
$PY "$FIXTURES/mkbomb.py" tar-lie "$OUT" --lie huge
