cp "$EICAR" eicar.com
zip -q -X z0.zip eicar.com
for i in $(seq 1 14); do zip -q -X z$i.zip z$((i-1)).zip; done
cp z14.zip "$OUT"
