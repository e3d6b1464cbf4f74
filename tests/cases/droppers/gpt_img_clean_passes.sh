# Negative: a raw disk image partitioned by sgdisk (a protective MBR, the
# GPT at LBA 1 and its backup at the last LBA), whose one partition is a
# FAT16 volume holding only text: listed through the GPT, so it passes.
truncate -s 8M "$OUT"
sgdisk -n 1:2048:+4M -t 1:0700 -c 1:Data "$OUT" >/dev/null
mkfs.fat -F 16 -s 1 -C vol.img 4096 >/dev/null
printf 'quarterly numbers\n' > q.txt
mcopy -i vol.img q.txt ::q.txt
dd if=vol.img of="$OUT" bs=512 seek=2048 conv=notrunc status=none
