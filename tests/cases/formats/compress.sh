cp "$EICAR" eicar.com
$MKARCHIVE compress "$OUT" eicar.com=eicar.com
