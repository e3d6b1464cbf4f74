# A 7z archive under gzip, as `7zz a x.7z ...` then `gzip` make it: the
# archive needs seeking, so it must be read from the decompressed bytes,
# not through the stream filter (issue 13, item 2.1).
cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
7z a -bso0 -bsp0 x.7z eicar.com readme.txt
gzip -n -c x.7z > "$OUT"
