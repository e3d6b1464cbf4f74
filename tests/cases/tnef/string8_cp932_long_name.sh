# PidTagAttachLongFilename as PT_STRING8 in CP932, as a Japanese Outlook
# writes it: the tree says 請求書.doc, not bytes escaped to U+FFFD.
printf 'invoice\n' > a.txt
$PY "$FIXTURES/mktnef.py" "$OUT" --string8 --codepage cp932 --attach '請求書.txt=a.txt'
if command -v tnef >/dev/null; then tnef -t "$OUT" | iconv -f CP932 -t UTF-8 | grep -q '^請求書.txt'; fi
