cp "$EICAR" eicar.com
zip -q -X a.zip eicar.com
zip -q -X b.zip a.zip
zip -q -X "$OUT" b.zip
