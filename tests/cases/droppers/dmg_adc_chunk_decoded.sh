# A UDIF partition in one ADC chunk (Apple Data Compression, 0x80000004),
# written by a small encoder from the method's description (literal runs,
# two- and three-byte copies, overlapping ones too): a tar holding a text
# and EICAR. dmg2img, an independent reader with its own ADC decoder, must
# give the same bytes back; Sekisho must decode them, open the tar and find
# EICAR in it.
$PY - "$EICAR" <<'PY'
import io, sys, tarfile
def member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    tar.addfile(info, io.BytesIO(data))
with tarfile.open("vol.bin", "w", format=tarfile.USTAR_FORMAT) as tar:
    member(tar, "notes.txt", b"".join(b"line %04d of the volume, the same words again\n" % i
                                      for i in range(80)))
    member(tar, "eicar.com", open(sys.argv[1], "rb").read())
PY
$PY - "$OUT" vol.bin <<'PY'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
import mkdmg
vol = open(sys.argv[2], "rb").read()
stored = mkdmg.adc(vol)
mkdmg.write(sys.argv[1], stored, [("archive (Apple_Free : 1)",
                                   [(mkdmg.ADC, 0, len(vol) // mkdmg.SECTOR, 0, len(stored))])])
PY
dmg2img -s -i "$OUT" -o back.bin >/dev/null 2>&1
cmp back.bin vol.bin
