# Both GPT headers fail their CRC32 and the entry array's CRC32 no longer
# holds either: no table is trusted, error.corrupt, and the protective
# partition's raw bytes are still handed back and scanned.
truncate -s 8M "$OUT"
sgdisk -n 1:2048:+4M -t 1:0700 "$OUT" >/dev/null
printf '\377' | dd of="$OUT" bs=1 seek=$((512 + 56)) conv=notrunc status=none
printf '\377' | dd of="$OUT" bs=1 seek=$((8 * 1024 * 1024 - 512 + 56)) conv=notrunc status=none
