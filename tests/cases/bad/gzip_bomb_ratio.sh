head -c 100000000 /dev/zero | gzip -9 -n > "$OUT"
