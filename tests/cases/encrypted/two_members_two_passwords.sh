cp "$EICAR" eicar.com
printf "quarterly numbers\n" > report.txt
zip -q -X -P alpha "$OUT" eicar.com
zip -q -X -P beta "$OUT" report.txt
