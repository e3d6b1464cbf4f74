# RAR5 with its headers encrypted too (WinRAR -hp): the archive encryption
# header's check value picks the candidate, the headers are decrypted, the
# names listed and the members decrypted with their own records; EICAR
# blocks (issue 19, part 3).
cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE rar5-aes-hp "$OUT" --password 'hp-S3cret' readme.txt=readme.txt eicar.com=eicar.com
