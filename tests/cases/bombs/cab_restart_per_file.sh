# A cabinet whose 3,000 one-byte files lie in one 64 MiB MSZIP folder (2,048
# blocks of zeros, about 100 KB) and are listed from the folder's end back
# to its start. libmspack decodes a folder again from its start whenever a
# file begins before the last one ended: in the cabinet's own order that is
# 3,000 decodes of up to 64 MiB. Sekisho extracts in offset order, so the
# folder is decoded once. (cabextract, which keeps the cabinet's order,
# is still testing it after 20 s: no independent reader here; Sekisho: 0.2 s.)
$PY - "$OUT" <<'EOF'
import struct, sys, zlib
BLOCK, BLOCKS, FILES = 32768, 2048, 3000
z = zlib.compressobj(9, zlib.DEFLATED, -15)
packed = b"CK" + z.compress(b"\0" * BLOCK) + z.flush()
blocks = (struct.pack("<IHH", 0, len(packed), BLOCK) + packed) * BLOCKS
end = BLOCK * BLOCKS
entries = b"".join(struct.pack("<IIHHHH", 1, end - 1 - 17 * i, 0, 0x5A61, 0x4800, 0x20)
                   + b"f%04d\0" % i for i in range(FILES))
first_file = 36 + 8
data_at = first_file + len(entries)
header = b"MSCF" + struct.pack("<IIIIIBBHHHHH", 0, data_at + len(blocks), 0, first_file, 0,
                               3, 1, 1, FILES, 0, 0, 0)
folder = struct.pack("<IHH", data_at, BLOCKS, 1)
open(sys.argv[1], "wb").write(header + folder + entries + blocks)
EOF
