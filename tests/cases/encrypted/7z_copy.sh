# 7zAES over Copy: no coder check, the zero padding and the CRC decide.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -m0=Copy "$OUT" eicar.com >/dev/null
