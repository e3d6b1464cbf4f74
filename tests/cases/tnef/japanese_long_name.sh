# Long names: PidTagAttachLongFilename as PT_UNICODE (a Japanese name, the
# short 8.3 title is only "FILE~1.TXT") and as PT_STRING8. The children carry
# the long names; tnef(1) agrees on the Unicode one.
printf 'mitsumori\n' > a.txt
$PY "$FIXTURES/mktnef.py" "$OUT" --attach '御見積書_2026.txt=a.txt'
if command -v tnef >/dev/null; then tnef -t "$OUT" | grep -q '^御見積書_2026.txt'; fi
