# An ISO 9660 + UDF bridge image (genisoimage -udf, as Windows-made images
# often are): read through its ISO 9660 side, the EXE inside is found.
mkdir -p tree
$PY "$FIXTURES/mkpe.py" tree/Document.exe
printf 'read me\n' > tree/readme.txt
genisoimage -quiet -udf -J -R -o "$OUT" tree
