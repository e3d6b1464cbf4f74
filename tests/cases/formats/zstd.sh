cp "$EICAR" eicar.com
$MKARCHIVE zstd "$OUT" eicar.com=eicar.com
