# A File Set Descriptor whose tag checksum is wrong: error.corrupt.
mkdir -p tree
printf 'x\n' > tree/a.txt
genisoimage -quiet -udf -o "$OUT" tree
$PY "$FIXTURES/udf_only.py" "$OUT" --bad-fsd
