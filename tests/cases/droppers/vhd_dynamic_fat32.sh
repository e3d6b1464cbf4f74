# A dynamic VHD (header, BAT, blocks) around a FAT32 volume with an EXE.
mkfs.fat -F 32 -C vol.img 34000 >/dev/null
$PY "$FIXTURES/mkpe.py" tool.exe
mcopy -i vol.img tool.exe ::tool.exe
$PY "$FIXTURES/mkvhd.py" "$OUT" vol.img --dynamic
