# A FAT12 floppy image made by mkfs.fat and mcopy: a long file name in a
# subdirectory holding an EXE.
mkfs.fat -C "$OUT" 1440 >/dev/null
$PY "$FIXTURES/mkpe.py" payload.exe
printf 'read me\n' > readme.txt
mmd -i "$OUT" ::Scans ::Scans/2026
mcopy -i "$OUT" payload.exe "::Scans/2026/Scanned Document 2026-11-27.exe"
mcopy -i "$OUT" readme.txt ::readme.txt
