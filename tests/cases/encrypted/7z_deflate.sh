# 7zAES over Deflate (zlib's raw inflate).
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -m0=Deflate "$OUT" eicar.com >/dev/null
