# An NTFS volume (mkntfs, filled through ntfs-3g's FUSE mount: ntfscp makes
# no directories) with EICAR three directories down and a plain note at the
# root: the walk names the file by its full path and YARA blocks it there.
mkdir -p src/Users/Public/Downloads
cp "$EICAR" "src/Users/Public/Downloads/invoice 2026.com"
printf 'nothing here\n' > src/note.txt
sh "$FIXTURES/mkntfs_fixture.sh" "$OUT" 4 tree src
