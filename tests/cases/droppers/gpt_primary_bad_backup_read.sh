# The primary GPT header's CRC32 fails (a byte of its disk GUID flipped):
# the backup header at the last LBA is read instead, so the partition is
# still listed, and the damage is error.corrupt.
truncate -s 8M "$OUT"
sgdisk -n 1:2048:+4M -t 1:0700 "$OUT" >/dev/null
mkfs.fat -F 16 -s 1 -C vol.img 4096 >/dev/null
printf 'quarterly numbers\n' > q.txt
mcopy -i vol.img q.txt ::q.txt
dd if=vol.img of="$OUT" bs=512 seek=2048 conv=notrunc status=none
printf '\377' | dd of="$OUT" bs=1 seek=$((512 + 56)) conv=notrunc status=none
