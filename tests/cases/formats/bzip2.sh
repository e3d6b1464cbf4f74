cp "$EICAR" eicar.com
$MKARCHIVE bzip2 "$OUT" eicar.com=eicar.com
