cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE tar.xz "$OUT" eicar.com=eicar.com readme.txt=readme.txt
