cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE iso9660 "$OUT" eicar.com=eicar.com readme.txt=readme.txt
