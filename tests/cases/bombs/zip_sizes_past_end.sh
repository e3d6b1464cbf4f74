# A zip whose declared sizes lie: a stored member whose central sizes run 2 GiB past the end of the file.
# Readers that trust the local header (libarchive) and those that trust the
# central directory see different files: error.corrupt, never pass.
$PY "$FIXTURES/mkbomb.py" zip-lie "$OUT" --lie past-end
