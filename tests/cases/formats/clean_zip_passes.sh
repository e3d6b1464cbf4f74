printf "quarterly numbers\n" > report.txt
zip -q -X "$OUT" report.txt
