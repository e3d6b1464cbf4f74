# An encrypted 7z cut before its header: corrupt, never pass.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z tmp.7z eicar.com >/dev/null
head -c 150 tmp.7z > "$OUT"
