# RAR5 with clear names and encrypted data (WinRAR -p without -hp), members
# alternating encrypted and plain, the first encrypted (issue 13, item 2.3).
# libarchive 3.6 reads the first member's ciphertext as data and stops;
# every member must be listed, the plain ones scanned.
cp "$EICAR" eicar.com
printf "secret\n" > secret.txt
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE rar5-aes-mixed "$OUT" --password s3cret secret.txt=secret.txt \
    eicar.com=eicar.com hidden.com=eicar.com readme.txt=readme.txt
