# -mhe=on and only wrong candidates: not even the names can be listed.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -mhe=on "$OUT" eicar.com >/dev/null
