# An encrypted RAR5 cut inside its last member's data: the first member is
# decrypted and scanned, the cut is error.corrupt (sandbox at least), the
# archive's raw bytes still scanned.
cp "$EICAR" eicar.com
head -c 3000 /dev/urandom > noise.bin
$MKARCHIVE rar5-aes full.rar --password s3cret eicar.com=eicar.com noise.bin=noise.bin
head -c $(( $(stat -c %s full.rar) - 1000 )) full.rar > "$OUT"
