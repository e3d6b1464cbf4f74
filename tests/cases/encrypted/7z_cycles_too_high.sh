# NumCyclesPower raised from 19 to 25 in the (plain) streams info of an -mhe=on
# header, the header CRC written again: 2^25 rounds per candidate are refused
# before any is tried (error.unsupported), never a silent pass.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -pS3cret-7z -mhe=on tmp.7z eicar.com >/dev/null
$PY - <<'PYEOF'
import os
import struct
import zlib

d = bytearray(open("tmp.7z", "rb").read())
offset, size = struct.unpack_from("<QQ", d, 12)
start = 32 + offset
header = d[start:start + size]
aes = header.find(bytes([0x24, 0x06, 0xF1, 0x07, 0x01]))
assert aes >= 0 and header[aes + 6] & 0x3F == 19, "7zAES coder not where expected"
header[aes + 6] = (header[aes + 6] & 0xC0) | 25
d[start:start + size] = header
struct.pack_into("<I", d, 28, zlib.crc32(header))
struct.pack_into("<I", d, 8, zlib.crc32(bytes(d[12:32])))
open(os.environ["OUT"], "wb").write(d)
PYEOF
