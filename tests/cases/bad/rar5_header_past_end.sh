# A RAR5 whose second file header claims a size past the end of the file,
# with the EICAR string behind it. libarchive 3.6 takes such a header for
# the end of the archive and lists only the first member without an error;
# Sekisho's header walk (unpackers/rar5.c) reports it corrupt.
cp "$EICAR" eicar.com
printf "hello from sekisho\n" > readme.txt
$PY - "$OUT" <<'PYEOF'
import os, struct, sys
sys.path.insert(0, os.environ["FIXTURES"])
import mkarchive as m
head, area = m.rar5_member("readme.txt", open("readme.txt", "rb").read())
bogus = struct.pack("<I", 0) + m.vint(100000) + m.vint(2) + m.vint(0)
with open(sys.argv[1], "wb") as f:
    f.write(m.RAR5_SIGNATURE + m.rar5_block(1, m.vint(0)) + head + area + bogus
            + open("eicar.com", "rb").read())
PYEOF
