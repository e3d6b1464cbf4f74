# WinZip AES-256 keyed with the UTF-8 bytes of さくら2022, the form 7-Zip
# uses for AES (it opens this with -p'さくら2022', checked below; 7-Zip on
# Linux refuses to write a ZIP with a non-ASCII password, so mkzipname.py
# writes it).
cp "$EICAR" eicar.com
PWHEX=$($PY -c 'print("さくら2022".encode("utf-8").hex())')
$PY "$FIXTURES/mkzipname.py" "$OUT" --aes --password-hex "$PWHEX" 65696361722e636f6d=eicar.com
7z t -p'さくら2022' "$OUT" | grep -q 'Everything is Ok'
