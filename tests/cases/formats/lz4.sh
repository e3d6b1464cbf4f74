cp "$EICAR" eicar.com
$MKARCHIVE lz4 "$OUT" eicar.com=eicar.com
