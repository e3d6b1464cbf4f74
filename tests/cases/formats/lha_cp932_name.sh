# LHA as LHA for Windows and Lhaplus write it: level 1, OS 'M', the name in
# CP932. libarchive 3.6 failed the whole header (it converts names in the
# locale). lhasa checks the archive (it prints non-ASCII names as '?').
printf 'hello\n' > doc
$MKARCHIVE lha-l1-cp932 "$OUT" '請求書.doc=doc'
lha t "$OUT" >/dev/null
