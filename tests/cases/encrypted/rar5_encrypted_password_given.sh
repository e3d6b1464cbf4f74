# RAR5 whose every member is encrypted (names in clear), the right password
# given among wrong ones: the check value picks it, the members are
# decrypted and scanned, EICAR blocks (issue 19, part 3). The writer is
# tests/fixtures/mkarchive.py (from the RAR 5.0 technote); WinRAR's own
# output is read in tests/test_corpus.py (the libarchive fixtures).
cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE rar5-aes "$OUT" --password s3cret readme.txt=readme.txt eicar.com=eicar.com
