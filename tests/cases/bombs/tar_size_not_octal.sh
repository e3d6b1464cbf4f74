# A tar whose size field lies: the first member's size field is not octal (checksum recomputed, so only the size
# is wrong). error.corrupt, never pass.
$PY "$FIXTURES/mkbomb.py" tar-lie "$OUT" --lie not-octal
