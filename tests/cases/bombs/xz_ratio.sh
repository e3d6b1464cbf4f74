# 128 MiB of zeros in ~19 KB of xz (7000:1): the ratio limit stops it.
head -c 128M /dev/zero | xz -0 -T1 > "$OUT"
