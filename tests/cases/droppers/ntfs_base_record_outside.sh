# A file's FILE record turned into an extension record whose base record
# lies far past the MFT (ntfs_patch.py): the file cannot be placed, so the
# volume says error.corrupt naming the record instead of dropping it
# silently; its neighbour is still read.
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
printf 'lost file\n' > lost.txt
printf 'open file\n' > open.txt
ntfscp -f "$OUT" lost.txt lost.txt >/dev/null 2>&1
ntfscp -f "$OUT" open.txt open.txt >/dev/null 2>&1
$PY "$FIXTURES/ntfs_patch.py" "$OUT" base-outside lost.txt
