# A UDF-only image (genisoimage -udf with its ISO 9660 side erased by
# udf_only.py) holding an EXE in a subdirectory: read by udf.c.
mkdir -p tree/Payments
$PY "$FIXTURES/mkpe.py" "tree/Payments/Remittance advice.exe"
printf 'read me\n' > tree/readme.txt
genisoimage -quiet -udf -o "$OUT" tree
$PY "$FIXTURES/udf_only.py" "$OUT"
