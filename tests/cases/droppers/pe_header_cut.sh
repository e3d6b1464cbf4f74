# Only the DOS header and the PE signature: the COFF header is missing.
$PY "$FIXTURES/mkpe.py" full.exe
head -c 140 full.exe > "$OUT"
