# The VHDX file type identifier ("vhdxfile", MS-VHDX 2.2.1) with no valid
# header after it: recognised, corrupt, never pass.
$PY -c 'import sys; open(sys.argv[1], "wb").write(b"vhdxfile" + "Sekisho test".encode("utf-16-le") + bytes(320 * 1024))' "$OUT"
