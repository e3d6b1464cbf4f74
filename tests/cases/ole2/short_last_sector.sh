# An Agile-encrypted .xlsx whose file ends inside its last sector, as Apache
# POI writes them (a 12,968-byte one from POI: 512 + 24.3 sectors): the
# EncryptedPackage's sectors come last and the zeros after its end are cut,
# so the size is not a multiple of 512. MS-CFB 2.2 lets readers treat the
# missing tail as zeros; olefile pads it, msoffcrypto-tool decrypts it,
# both checked here. The password is Excel's default (VelvetSweatshop).
cp "$EICAR" eicar.com
seq 1 1500 > notes.txt
zip -q -X package.xlsx eicar.com notes.txt
$PY "$FIXTURES/mkoffcrypto.py" agile full.xlsx --password VelvetSweatshop \
    --package package.xlsx --layout fat-first
$PY - full.xlsx "$OUT" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
last = 512 + (len(data) - 512 - 1) // 512 * 512  # where the last sector starts
cut = max(len(data.rstrip(b"\0")), last + 1)
assert cut % 512 != 0 and cut < len(data), (cut, len(data))
open(sys.argv[2], "wb").write(data[:cut])
EOF
check='
import io, sys, msoffcrypto, olefile, zipfile
ole = olefile.OleFileIO(sys.argv[1])
assert ole.get_size("EncryptedPackage") == len(ole.openstream("EncryptedPackage").read())
f = msoffcrypto.OfficeFile(open(sys.argv[1], "rb"))
f.load_key(password="VelvetSweatshop")
out = io.BytesIO()
f.decrypt(out)
assert "eicar.com" in zipfile.ZipFile(out).namelist()
'
for py in "$PY" /usr/bin/python3; do
    if "$py" -c "import msoffcrypto, olefile" 2>/dev/null; then
        "$py" -c "$check" "$OUT"
        exit 0
    fi
done
echo "no python3 with olefile and msoffcrypto (python3-msoffcrypto-tool)" >&2
exit 1
