# RAR 3.x/4.x with every member AES-128 encrypted (stored, names in clear),
# the right password among wrong ones: RAR4 keeps no check value, so each
# candidate's key decrypts the member and only its CRC32 proves it (issue
# 19). The writer is tests/fixtures/mkarchive.py (unrar's SetKey30 in
# Python); WinRAR's own output is read in tests/test_corpus.py.
cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$MKARCHIVE rar4-aes "$OUT" --password s3cret readme.txt=readme.txt eicar.com=eicar.com
