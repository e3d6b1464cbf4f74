# Info-ZIP's Unicode Path extra field (0x7075, APPNOTE 4.6.9): the stored
# name is what an old tool would show (here bytes that are neither UTF-8 nor
# CP932), the field holds the UTF-8 name and the CRC-32 of the stored one.
# Debian's zip sets bit 11 instead of writing the field, so Python writes it.
printf 'hello\n' > doc
$PY "$FIXTURES/mkzipname.py" "$OUT" --unicode-path '請求書.doc' 8e3f3f3f2e646f63=doc
unzip -l "$OUT" | grep -q '請求書.doc'
