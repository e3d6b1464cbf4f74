# Negative: a FAT16 image of text files passes.
mkfs.fat -F 16 -s 1 -C "$OUT" 8192 >/dev/null
seq 1 20000 > numbers.txt
printf 'hello\n' > hello.txt
mmd -i "$OUT" ::docs
mcopy -i "$OUT" numbers.txt ::docs/numbers.txt
mcopy -i "$OUT" hello.txt ::hello.txt
