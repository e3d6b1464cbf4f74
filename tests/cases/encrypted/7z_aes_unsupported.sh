cp "$EICAR" eicar.com
$MKARCHIVE 7z-aes "$OUT" --password pw eicar.com=eicar.com
