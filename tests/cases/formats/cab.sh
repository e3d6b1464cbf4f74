cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE cab "$OUT" eicar.com=eicar.com readme.txt=readme.txt
