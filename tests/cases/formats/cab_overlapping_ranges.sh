# Files whose ranges overlap in one MSZIP folder of varied bytes (200,000
# bytes over seven blocks): b.bin starts inside a.bin and runs past it, c.bin
# lies inside b.bin, d.bin starts inside b.bin's last block and ends after
# it. Every file's bytes must be its own slice of the folder, whichever part
# Sekisho copies from what it decoded before and whichever part libmspack
# decodes; cabextract -t, the independent reader, must find the same MD5s.
$PY - "$OUT" > expected.txt <<'EOF'
import hashlib, struct, sys, zlib
data = bytes((i * 7 + i // 251) % 256 for i in range(200000))
ranges = {"a.bin": (0, 100000), "b.bin": (50000, 100000), "c.bin": (60000, 10000),
          "d.bin": (149990, 10010)}
blocks, count = b"", 0
for at in range(0, len(data), 32768):
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = data[at:at + 32768]
    packed = b"CK" + z.compress(chunk) + z.flush()
    blocks += struct.pack("<IHH", 0, len(packed), len(chunk)) + packed
    count += 1
entries = b"".join(struct.pack("<IIHHHH", n, off, 0, 0x5A61, 0x4800, 0x20) + name.encode() + b"\0"
                   for name, (off, n) in ranges.items())
first_file = 36 + 8
data_at = first_file + len(entries)
header = b"MSCF" + struct.pack("<IIIIIBBHHHHH", 0, data_at + len(blocks), 0, first_file, 0,
                               3, 1, 1, len(ranges), 0, 0, 0)
open(sys.argv[1], "wb").write(header + struct.pack("<IHH", data_at, count, 1) + entries + blocks)
for name, (off, n) in sorted(ranges.items()):
    print(name, hashlib.md5(data[off:off + n]).hexdigest())
EOF
cabextract -t "$OUT" | awk '/ OK /{print $1, $3}' | sort > found.txt
cmp expected.txt found.txt
