# A zip archive under xz, as Info-ZIP's `zip` then `xz` make it: the
# archive needs seeking, so it must be read from the decompressed bytes,
# not through the stream filter (issue 13, item 2.1).
cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
zip -q -X x.zip eicar.com readme.txt
xz -T1 -c x.zip > "$OUT"
