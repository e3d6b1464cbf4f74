# An executable padded with repeating bytes, written by ntfs-3g (FUSE mount,
# -o compression) into a directory marked compressed: ntfs-3g stores it
# LZNT1-compressed in 64 KiB units (checked with ntfsinfo, so the case fails
# rather than test a plain file). Decompressed, it is the PE that went in.
mkdir -p src/Archive.compressed
$PY "$FIXTURES/mkpe.py" payload.exe
$PY -c "import sys; open(sys.argv[1], 'ab').write(b'padding ' * 40000)" payload.exe
cp payload.exe src/Archive.compressed/report.exe
sh "$FIXTURES/mkntfs_fixture.sh" "$OUT" 4 tree src
ntfsinfo -v -F /Archive.compressed/report.exe "$OUT" | grep -q 'Compression unit:[[:space:]]*4'
