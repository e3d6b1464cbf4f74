# A Unicode Path extra field whose CRC-32 is not that of the stored name
# (a tool renamed the member without updating the field, or someone wants
# the scanner and the user's unzip to disagree): the field is ignored, as
# APPNOTE 4.6.9 says, and the stored CP932 name is what counts.
printf 'hello\n' > doc
NAME=$($PY -c 'print("請求書.doc".encode("cp932").hex())')
$PY "$FIXTURES/mkzipname.py" "$OUT" --unicode-path 'readme.txt' --unicode-path-bad-crc "$NAME=doc"
