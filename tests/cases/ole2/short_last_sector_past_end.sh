# The same layout cut harder: the file ends inside the EncryptedPackage's
# second-to-last sector, so its last sector lies wholly past the end. Only a
# partial last sector reads as zeros; a chain that leaves the file is still
# refused.
cp "$EICAR" eicar.com
seq 1 1500 > notes.txt
zip -q -X package.xlsx eicar.com notes.txt
$PY "$FIXTURES/mkoffcrypto.py" agile full.xlsx --password VelvetSweatshop \
    --package package.xlsx --layout fat-first
$PY - full.xlsx "$OUT" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
last = 512 + (len(data) - 512 - 1) // 512 * 512
open(sys.argv[2], "wb").write(data[:last - 100])
EOF
