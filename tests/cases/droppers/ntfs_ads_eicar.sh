# A benign text file on an NTFS volume (mkntfs, ntfscp) whose alternate data
# stream "Zone.Payload" (ntfscp -N) holds EICAR: the stream is a child named
# "file:stream" and blocks there; the file's own contents do not.
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
printf 'meeting notes, nothing else\n' > notes.txt
ntfscp -f "$OUT" notes.txt notes.txt >/dev/null 2>&1
ntfscp -f -N Zone.Payload "$OUT" "$EICAR" notes.txt >/dev/null 2>&1
