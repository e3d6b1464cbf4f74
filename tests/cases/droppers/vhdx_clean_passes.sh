# Negative: a VHDX whose FAT volume holds only text passes; its current
# header (the second) is spoilt, so the first, older one is used (2.2.2.1).
mkfs.fat -F 16 -s 1 -C vol.img 6144 >/dev/null
seq 1 3000 > numbers.txt
mcopy -i vol.img numbers.txt ::numbers.txt
$PY "$FIXTURES/mkvhdx.py" "$OUT" vol.img --bad-header
