# Two files copied onto an NTFS volume by ntfscp; then one of them has the
# update sequence of its FILE record broken (ntfs_patch.py: a torn write).
# That record is refused as error.corrupt; the other file is still listed.
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
printf 'first file\n' > a.txt
printf 'second file\n' > torn.txt
ntfscp -f "$OUT" a.txt a.txt >/dev/null 2>&1
ntfscp -f "$OUT" torn.txt torn.txt >/dev/null 2>&1
$PY "$FIXTURES/ntfs_patch.py" "$OUT" fixup torn.txt
