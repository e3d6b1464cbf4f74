cp "$EICAR" eicar.com
$MKARCHIVE zip-aes256 "$OUT" --password "S3cret-pw" eicar.com=eicar.com
