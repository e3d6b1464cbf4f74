# A GPT disk (sgdisk) whose one partition is an NTFS volume made by mkntfs
# holding a text file (ntfscp, no mount): the volume is typed ntfs and
# walked, the file a child of the partition by its name, size and bytes;
# nothing in it is risky, so it passes like a clean FAT or GPT image.
truncate -s 8M "$OUT"
sgdisk -n 1:2048:+4M -t 1:0700 "$OUT" >/dev/null
truncate -s 4M vol.img
mkntfs -F -Q -q vol.img >/dev/null 2>&1
printf 'quarterly numbers\n' > q.txt
ntfscp -f vol.img q.txt q.txt >/dev/null 2>&1
dd if=vol.img of="$OUT" bs=512 seek=2048 conv=notrunc status=none
