# RAR5 whose every member is encrypted, the right password given: the
# members are listed and reported unopened (libarchive 3.6 cannot decrypt
# RAR5), never error.corrupt (issue 13, item 2.3).
cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE rar5-aes "$OUT" --password s3cret readme.txt=readme.txt eicar.com=eicar.com
