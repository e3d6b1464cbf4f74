# 7zAES over BZip2 (libbz2).
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -m0=BZip2 "$OUT" eicar.com >/dev/null
