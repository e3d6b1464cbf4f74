# The RAR5 of rar5_mixed under gzip: the filter hands the archive back as a
# child of its own, which the header walk then reads from memory (issue 13,
# items 2.1 and 2.3 together).
cp "$EICAR" eicar.com
printf "secret\n" > secret.txt
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE rar5-aes-mixed mixed5.rar --password s3cret secret.txt=secret.txt \
    eicar.com=eicar.com hidden.com=eicar.com readme.txt=readme.txt
gzip -n -c mixed5.rar > "$OUT"
