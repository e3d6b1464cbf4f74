# A dynamic VHDX (written by mkvhdx.py from MS-VHDX: headers, region table,
# metadata, BAT) whose MBR partition is a FAT16 volume holding an EXE.
mkfs.fat -F 16 -s 1 -C vol.img 6144 >/dev/null
$PY "$FIXTURES/mkpe.py" Invoice.exe
mcopy -i vol.img Invoice.exe ::Invoice.exe
$PY "$FIXTURES/mkvhdx.py" "$OUT" vol.img
