head -c 2000000 /dev/urandom > "$OUT"
