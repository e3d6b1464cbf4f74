# A deceptive name in CP932 (no UTF-8 flag): ideographic spaces (U+3000,
# 0x81 0x40 in CP932) pad 請求書.pdf before its real extension .exe.
printf 'MZ\n' > exe
NAME=$($PY -c 'print("請求書.pdf\u3000\u3000\u3000.exe".encode("cp932").hex())')
$PY "$FIXTURES/mkzipname.py" "$OUT" "$NAME=exe"
