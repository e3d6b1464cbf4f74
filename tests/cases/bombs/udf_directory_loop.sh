# A UDF-only image whose root directory holds two subdirectories, both of
# whose entries (FIDs) udf_only.py --loop points back at the root's own File
# Entry: without a visited set the walk lists the root again and again,
# 2^64 paths to the depth cap, and holds the worker until the request's
# timeout (issue 13). Each directory is listed once: the loop is reported
# (error.corrupt) in milliseconds.
mkdir -p tree/A tree/B
genisoimage -quiet -udf -o "$OUT" tree
$PY "$FIXTURES/udf_only.py" "$OUT" --loop
