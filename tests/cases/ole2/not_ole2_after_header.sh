# The OLE2 signature followed by random bytes.
{ printf '\320\317\021\340\241\261\032\341'; head -c 3000 /dev/urandom; } > "$OUT"
