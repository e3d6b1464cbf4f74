# 1 GiB of zeros in 2,880 bytes of bzip2 (372,000:1): one 16 MiB stream of
# 45 bytes, concatenated 64 times (bzip2 reads concatenated streams as one
# file). The ratio limit stops it.
head -c 16M /dev/zero | bzip2 -9 > one.bz2
for i in $(seq 64); do cat one.bz2; done > "$OUT"
