head -c 100000000 /dev/zero > zeros.bin
zip -q -X -9 "$OUT" zeros.bin
