# An NTFS volume (mkntfs, ntfscp) whose image is cut to its first MiB of
# four: the boot sector still claims the whole volume, so the walk reports
# error.corrupt; the file written first (its record and data are in the
# first MiB) is still listed.
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
printf 'early file\n' > early.txt
ntfscp -f "$OUT" early.txt early.txt >/dev/null 2>&1
truncate -s 1M "$OUT"
