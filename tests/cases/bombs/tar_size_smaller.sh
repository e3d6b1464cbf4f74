# A tar whose size field lies: the first member's size field claims 700 of its 3000 bytes, so the rest is read as a header (checksum recomputed, so only the size
# is wrong). error.corrupt, never pass.
$PY "$FIXTURES/mkbomb.py" tar-lie "$OUT" --lie smaller
