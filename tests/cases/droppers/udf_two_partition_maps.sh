# A logical volume with two partition maps is not read: error.unsupported
# and container.disk_image, never pass.
mkdir -p tree
printf 'x\n' > tree/a.txt
genisoimage -quiet -udf -o "$OUT" tree
$PY "$FIXTURES/udf_only.py" "$OUT" --two-maps
