# A file whose data runs (ntfs_patch.py) point a terabyte past the end of
# its 4 MiB volume, beside an intact one: the bad one is error.corrupt and
# truncated, never read from outside the image; the intact one is listed.
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
head -c 20000 /dev/zero | tr '\0' 'a' > far.txt
printf 'intact\n' > near.txt
ntfscp -f "$OUT" far.txt far.txt >/dev/null 2>&1
ntfscp -f "$OUT" near.txt near.txt >/dev/null 2>&1
$PY "$FIXTURES/ntfs_patch.py" "$OUT" runs-out far.txt
