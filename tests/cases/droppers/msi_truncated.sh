# An MSI cut right after its first directory sector: still an executable (sniffed from the root
# entry's CLSID), and the OLE2 reader reports it corrupt.
$PY - "$OUT" <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
import mkole
MSI = bytes.fromhex("84100c0000000000c000000000000046")
data = mkole.cfb({"Binary.big": b"A" * 20000, "Property": b"ProductName=Test"}, clsids={"": MSI})
import struct
# keep the header's first directory sector (the root entry names the MSI),
# cut what follows it
end = (struct.unpack_from("<I", data, 0x30)[0] + 2) * 512
assert end < len(data)
open(sys.argv[1], "wb").write(data[:end])
PYEOF
