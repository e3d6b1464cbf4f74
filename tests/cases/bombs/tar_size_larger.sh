# A tar whose size field lies: the first member's size field claims 64 MiB in a 10 KB archive (checksum recomputed, so only the size
# is wrong). error.corrupt, never pass.
$PY "$FIXTURES/mkbomb.py" tar-lie "$OUT" --lie larger
