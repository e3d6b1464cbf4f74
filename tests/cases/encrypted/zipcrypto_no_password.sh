cp "$EICAR" eicar.com
$MKARCHIVE zip-zipcrypto "$OUT" --password "S3cret-pw" eicar.com=eicar.com
