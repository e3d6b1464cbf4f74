# A UDIF with three blkx partitions that cannot be listed: an HFS+ volume
# (raw chunk; "H+" at 1024, Apple TN1150) is not walked, an ADC chunk whose
# first copy reaches before the chunk does not decompress (corrupt), and a
# raw chunk that points past the data fork is corrupt. Each is still handed back as a child and scanned.
$PY - "$OUT" <<'PY'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
import mkdmg
hfs = bytearray(8 * mkdmg.SECTOR)
hfs[1024:1026] = b"H+"
mkdmg.write(sys.argv[1], bytes(hfs) + b"\x83" + b"A" * 63,
            [("disk image (Apple_HFS : 1)", [(mkdmg.RAW, 0, 8, 0, len(hfs))]),
             ("adc (Apple_Free : 2)", [(mkdmg.ADC, 0, 1, len(hfs), 64)]),
             ("outside (Apple_Free : 3)", [(mkdmg.RAW, 0, 1, 1 << 40, 512)])])
PY
