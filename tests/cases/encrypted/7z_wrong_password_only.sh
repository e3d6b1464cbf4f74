# Only wrong candidates: the member stays encrypted and unopened, nothing is scanned as plain.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z "$OUT" eicar.com >/dev/null
