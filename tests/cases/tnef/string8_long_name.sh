# PidTagAttachLongFilename as PT_STRING8 (cp1252 bytes, ASCII here).
printf 'quarterly figures\n' > a.txt
$PY "$FIXTURES/mktnef.py" "$OUT" --string8 --attach 'Quarterly Report 2026.txt=a.txt'
if command -v tnef >/dev/null; then tnef -t "$OUT" | grep -q '^Quarterly Report 2026.txt'; fi
