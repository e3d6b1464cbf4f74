# PPMd has no decoder here: error.unsupported names it and the member stays encrypted, unopened.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -m0=PPMd "$OUT" eicar.com >/dev/null
