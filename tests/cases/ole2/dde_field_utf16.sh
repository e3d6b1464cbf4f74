# The same field in UTF-16LE text, DDE spelled in lower case.
$PY - <<'PYEOF'
text = "Hello \x13 dde cmd \"/c calc.exe\" \x14\x15"
open("WordDocument", "wb").write(text.encode("utf-16-le"))
PYEOF
$PY "$FIXTURES/mkole.py" "$OUT" --stream WordDocument=WordDocument
