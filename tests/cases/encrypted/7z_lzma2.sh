# 7zAES over LZMA2 (the cheap check: a chunk that resets the dictionary).
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -m0=LZMA2 "$OUT" eicar.com >/dev/null
