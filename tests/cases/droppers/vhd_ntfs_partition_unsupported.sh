# A partition of a type that is not FAT (0x07, NTFS): not listed, so never
# pass; its raw bytes are still scanned.
head -c 65536 /dev/zero > vol.img
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --type 0x07
