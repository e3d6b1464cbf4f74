cp "$EICAR" eicar.com
zip -q -0 -X "$OUT" eicar.com
