cp "$EICAR" eicar.com
$MKARCHIVE zip-aes128 "$OUT" --password "S3cret-pw" eicar.com=eicar.com
