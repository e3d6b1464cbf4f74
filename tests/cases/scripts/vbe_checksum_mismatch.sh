$PY "$FIXTURES/mkscript.py" vbe encoded.vbe
# change one encoded character: the checksum no longer fits
sed 's/^\(#@~^.\{20\}\)./\1A/' encoded.vbe > "$OUT"
