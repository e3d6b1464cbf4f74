# A Mach-O universal binary with an x86_64 and an arm64 slice, written from
# <mach-o/fat.h> and <mach-o/loader.h>: each slice is a child.
$PY - "$OUT" <<'EOF'
import struct, sys
def thin(cpu):
    # mach_header_64: magic, cputype, cpusubtype, filetype MH_EXECUTE, ncmds, sizeofcmds, flags, reserved
    return struct.pack("<IiiIIIII", 0xFEEDFACF, cpu, 3, 2, 0, 0, 0, 0) + bytes(480)
slices = [(0x01000007, thin(0x01000007)), (0x0100000C, thin(0x0100000C))]
head = struct.pack(">II", 0xCAFEBABE, len(slices))
off, body, archs = 4096, b"", b""
for cpu, data in slices:
    archs += struct.pack(">iiIII", cpu, 3, off + len(body), len(data), 12)
    body += data + bytes(-len(data) % 4096)
out = head + archs
out += bytes(4096 - len(out)) + body
open(sys.argv[1], "wb").write(out)
EOF
