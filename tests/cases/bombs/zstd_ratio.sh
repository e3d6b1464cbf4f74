# 512 MiB of zeros in ~16 KB of zstd (32,000:1): the ratio limit stops it.
head -c 512M /dev/zero | zstd -3 -q > "$OUT"
