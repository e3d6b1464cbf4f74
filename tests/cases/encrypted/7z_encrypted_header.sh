cp "$EICAR" eicar.com
$MKARCHIVE 7z-aes-header "$OUT" --password pw eicar.com=eicar.com
