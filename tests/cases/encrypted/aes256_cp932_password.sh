# WinZip AES-256 keyed with the CP932 bytes of さくら2022 (a tool that hands
# AES the ANSI code page's bytes): opened by the candidate's CP932 form.
# 7-Zip passes bytes that are not UTF-8 through as given, so it checks this.
cp "$EICAR" eicar.com
PWHEX=$($PY -c 'print("さくら2022".encode("cp932").hex())')
$PY "$FIXTURES/mkzipname.py" "$OUT" --aes --password-hex "$PWHEX" 65696361722e636f6d=eicar.com
7z t -p"$(printf '\202\263\202\255\202\3472022')" "$OUT" | grep -q 'Everything is Ok'
