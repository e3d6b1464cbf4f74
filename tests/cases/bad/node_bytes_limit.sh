head -c 3000000 /dev/urandom > big.bin
zip -q -X -0 "$OUT" big.bin
printf "after\n" > after.txt
zip -q -X "$OUT" after.txt
