# 7zAES over LZMA, the third candidate opens it (the cheap check: LZMA's first byte is 0).
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -m0=LZMA "$OUT" eicar.com >/dev/null
