# A name that is neither UTF-8 nor CP932 (0xFF is no CP932 byte; 0x81 0x20
# is a lead byte without its trail): each bad byte is U+FFFD, as before.
printf 'hello\n' > doc
$PY "$FIXTURES/mkzipname.py" "$OUT" ff81202e747874=doc
