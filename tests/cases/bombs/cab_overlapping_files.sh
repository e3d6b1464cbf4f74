# One 64 MiB MSZIP folder of zeros (about 100 KB) and 3,000 files whose
# ranges overlap without being equal: 1,000 files at one offset near the
# folder's end with lengths 1..1,000, and 2,000 files two bytes long, each
# starting one byte after the one before. libmspack decodes the folder
# again from its start for every file that begins before the last one
# ended; Sekisho keeps the bytes it decoded last and asks libmspack only for
# what lies past them, so the folder is decoded once.
$PY - "$OUT" <<'EOF'
import struct, sys, zlib
BLOCK, BLOCKS = 32768, 2048
z = zlib.compressobj(9, zlib.DEFLATED, -15)
packed = b"CK" + z.compress(b"\0" * BLOCK) + z.flush()
blocks = (struct.pack("<IHH", 0, len(packed), BLOCK) + packed) * BLOCKS
end = BLOCK * BLOCKS
ranges = [(end - 5000, n) for n in range(1, 1001)]
ranges += [(end - 3000 + i, 2) for i in range(2000)]
entries = b"".join(struct.pack("<IIHHHH", length, offset, 0, 0x5A61, 0x4800, 0x20)
                   + b"f%04d\0" % i for i, (offset, length) in enumerate(ranges))
first_file = 36 + 8
data_at = first_file + len(entries)
header = b"MSCF" + struct.pack("<IIIIIBBHHHHH", 0, data_at + len(blocks), 0, first_file, 0,
                               3, 1, 1, len(ranges), 0, 0, 0)
folder = struct.pack("<IHH", data_at, BLOCKS, 1)
open(sys.argv[1], "wb").write(header + folder + entries + blocks)
EOF
