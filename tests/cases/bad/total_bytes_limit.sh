for i in 1 2 3 4; do head -c 1000000 /dev/urandom > part$i.bin; done
zip -q -X -0 "$OUT" part1.bin part2.bin part3.bin part4.bin
