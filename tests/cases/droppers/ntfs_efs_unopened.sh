# A file on an NTFS volume (mkntfs, ntfscp) whose $DATA attribute is marked
# EFS-encrypted (ntfs_patch.py: ntfs-3g cannot write EFS): the file is a
# child marked encrypted and not opened (encrypted.unopened: its key is
# sealed to a user's certificate), never passed; its neighbour is read.
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
head -c 9000 /dev/zero | tr '\0' 'k' > secret.doc
printf 'open file\n' > open.txt
ntfscp -f "$OUT" secret.doc secret.doc >/dev/null 2>&1
ntfscp -f "$OUT" open.txt open.txt >/dev/null 2>&1
$PY "$FIXTURES/ntfs_patch.py" "$OUT" efs secret.doc
