# Negative: a UDF-only image of text files passes.
mkdir -p tree/notes
printf 'minutes\n' > tree/notes/minutes.txt
seq 1 5000 > tree/numbers.txt
genisoimage -quiet -udf -o "$OUT" tree
$PY "$FIXTURES/udf_only.py" "$OUT"
