# A GPT disk (sgdisk) whose one partition is an NTFS volume made by mkntfs
# holding a file (ntfscp): the volume is typed ntfs and refused
# (error.unsupported: not walked yet, container.disk_image), never pass;
# the partition node keeps the volume's raw bytes for YARA.
truncate -s 8M "$OUT"
sgdisk -n 1:2048:+4M -t 1:0700 "$OUT" >/dev/null
truncate -s 4M vol.img
mkntfs -F -Q -q vol.img >/dev/null 2>&1
printf 'quarterly numbers\n' > q.txt
ntfscp -f vol.img q.txt q.txt >/dev/null 2>&1
dd if=vol.img of="$OUT" bs=512 seek=2048 conv=notrunc status=none
