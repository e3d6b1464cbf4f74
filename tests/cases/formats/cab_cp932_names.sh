# CAB names in the writer's code page (attribute 0x80 clear), as makecab
# writes them on Japanese Windows: 表 is 0x95 0x5C in CP932, whose second
# byte is '\', so the separator must be turned after decoding. gcab lists
# the stored bytes; iconv reads them as CP932 for an independent check.
printf 'hello\n' > doc
$PY "$FIXTURES/mkcab.py" --names cp932 "$OUT" '請求書.doc=doc' '表.txt=doc'
gcab -l "$OUT" | iconv -f CP932 -t UTF-8 | grep -q '^表.txt'
gcab -l "$OUT" | iconv -f CP932 -t UTF-8 | grep -q '^請求書.doc'
