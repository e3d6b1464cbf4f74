# A UDF-only image whose root holds a file and a subdirectory whose entry
# udf_only.py --loop points back at the root: the root is listed once, so
# the file is one node (not one per trip round the loop, A/readme.txt,
# A/A/readme.txt, ... to the depth cap), and the loop is error.corrupt.
mkdir -p tree/A
printf 'read me\n' > tree/readme.txt
genisoimage -quiet -udf -o "$OUT" tree
$PY "$FIXTURES/udf_only.py" "$OUT" --loop
