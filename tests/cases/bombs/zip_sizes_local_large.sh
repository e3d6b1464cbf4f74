# A zip whose declared sizes lie: its local header declares four times the real sizes.
# Readers that trust the local header (libarchive) and those that trust the
# central directory see different files: error.corrupt, never pass.
$PY "$FIXTURES/mkbomb.py" zip-lie "$OUT" --lie local-large
