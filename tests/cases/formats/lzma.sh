cp "$EICAR" eicar.com
$MKARCHIVE lzma "$OUT" eicar.com=eicar.com
