# Negative: a fixed VHD whose FAT volume holds only text passes.
mkfs.fat -C vol.img 1440 >/dev/null
printf 'quarterly numbers\n' > q.txt
mcopy -i vol.img q.txt ::q.txt
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --type 0x01
