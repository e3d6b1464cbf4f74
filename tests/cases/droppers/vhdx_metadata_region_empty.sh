# A VHDX whose region table puts the metadata region at the file's very end,
# 0 bytes long (mkvhdx.py --short-metadata): inside the image, but with no
# room for the metadata table. The table's header must not be read past the
# region (issue 13: the entry count was read before the length was checked,
# past the end of the image): error.corrupt, never pass.
mkfs.fat -F 12 -C vol.img 512 >/dev/null
$PY "$FIXTURES/mkvhdx.py" "$OUT" vol.img --short-metadata
