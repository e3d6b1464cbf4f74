# A ZIP as Windows Explorer, Lhaplus or Explzh write it on a Japanese
# system: the name 請求書.doc in CP932, without the UTF-8 flag (bit 11).
# Python's zipfile cannot write such a name, so mkzipname.py does; zipfile
# then reads it back as an independent check (flag clear, CP932 name).
printf 'hello\n' > doc
NAME=$($PY -c 'print("請求書.doc".encode("cp932").hex())')
$PY "$FIXTURES/mkzipname.py" "$OUT" "$NAME=doc"
$PY - "$OUT" <<'PYEOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], metadata_encoding="cp932")
info = z.infolist()[0]
assert info.filename == "請求書.doc" and not info.flag_bits & 0x800, info
PYEOF
# A rule on the name YARA is given sees the decoded name.
cat > ../name.yar <<'EOF2'
rule Test_CP932_Name { condition: filename == "請求書.doc" }
EOF2
