# RAR5 with encrypted headers and only wrong candidates: nothing can be
# listed, the archive is encrypted.unopened (sandbox), never pass.
cp "$EICAR" eicar.com
$MKARCHIVE rar5-aes-hp "$OUT" --password 'hp-S3cret' eicar.com=eicar.com
