# An NTFS volume whose $MFT record claims 2^60 bytes of MFT (ntfs_patch.py):
# error.corrupt, and only the records its runs hold are read, quickly and
# in little memory; the file on it is still listed.
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
printf 'still here\n' > here.txt
ntfscp -f "$OUT" here.txt here.txt >/dev/null 2>&1
$PY "$FIXTURES/ntfs_patch.py" "$OUT" mft-huge
