$PY -c "import random,sys; r=random.Random(3); sys.stdout.buffer.write(bytes(r.choice(b'abcdefgh \n') for _ in range(200000)))" > big.bin
printf "tail\n" > tail.txt
$MKARCHIVE rar4 full big.bin=big.bin tail.txt=tail.txt
size=$(stat -c %s full)
head -c $((size * 6 / 10)) full > "$OUT"
