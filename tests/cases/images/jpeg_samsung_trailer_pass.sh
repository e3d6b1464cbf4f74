# A Samsung camera trailer after EOI, laid out as ExifTool's Samsung.pm
# reads it: records (type, name length, name, data), a "SEFH" directory
# (version, count, entries of type, offset back from SEFH and size), the
# directory's length and "SEFT". Its records are binary by design: the
# trailer is a part of the format, so it is no content.unknown.
$PY "$FIXTURES/mkimage.py" jpeg "$OUT"
$PY - "$OUT" <<'PYEOF'
import struct
import sys

name, data = b"Image_UTC_Data", b"1700000000000"
record = struct.pack("<HHI", 0, 0x0A01, len(name)) + name + data
directory = b"SEFH" + struct.pack("<II", 107, 1)
directory += struct.pack("<HHII", 0, 0x0A01, len(record), len(record))
with open(sys.argv[1], "ab") as f:
    f.write(record + directory + struct.pack("<I", len(directory)) + b"SEFT")
PYEOF
