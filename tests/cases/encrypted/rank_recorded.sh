cp "$EICAR" eicar.com
$MKARCHIVE zip-zipcrypto "$OUT" --password third eicar.com=eicar.com
