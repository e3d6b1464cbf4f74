# A file with twelve 150-byte alternate data streams (ntfscp -N), then one
# holding EICAR: its record overflows, so ntfs-3g moves attributes (its
# $FILE_NAME and the later streams) into extension records and gives it an
# $ATTRIBUTE_LIST (checked with ntfsinfo, so the case fails rather than test
# a file without one). Read through the list, the file keeps its name and
# the EICAR stream blocks at "cover.txt:payload".
truncate -s 4M "$OUT"
mkntfs -F -Q -q "$OUT" >/dev/null 2>&1
printf 'cover\n' > cover.txt
head -c 150 /dev/zero | tr '\0' 's' > filler.txt
ntfscp -f "$OUT" cover.txt cover.txt >/dev/null 2>&1
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    ntfscp -f -N "filler$i" "$OUT" filler.txt cover.txt >/dev/null 2>&1
done
ntfscp -f -N payload "$OUT" "$EICAR" cover.txt >/dev/null 2>&1
ntfsinfo -v -F /cover.txt "$OUT" | grep -q 'Dumping attribute \$ATTRIBUTE_LIST'
