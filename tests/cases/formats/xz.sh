cp "$EICAR" eicar.com
$MKARCHIVE xz "$OUT" eicar.com=eicar.com
