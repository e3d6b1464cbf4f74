cp "$EICAR" eicar.com
$MKARCHIVE gzip "$OUT" eicar.com=eicar.com
