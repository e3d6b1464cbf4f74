cp "$EICAR" eicar.com
zip -q -X inner.zip eicar.com
cp inner.zip copy.zip
zip -q -X "$OUT" inner.zip copy.zip
