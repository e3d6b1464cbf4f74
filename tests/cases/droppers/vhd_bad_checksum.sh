# A VHD footer whose checksum does not add up: error.corrupt.
mkfs.fat -C vol.img 1440 >/dev/null
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --type 0x01 --bad-checksum
