cp "$EICAR" eicar.com
printf "notes\n" > notes.txt
zip -q -X "$OUT" notes.txt
zip -q -X -P hidden "$OUT" eicar.com
