# A VHDX (MS-VHDX 2.2.1 file type identifier "vhdxfile"): recognised, not
# read, never pass.
$PY -c 'import sys; open(sys.argv[1], "wb").write(b"vhdxfile" + "Sekisho test".encode("utf-16-le") + bytes(65536))' "$OUT"
