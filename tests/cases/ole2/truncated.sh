# A compound file cut at 60%: its sectors run past the end.
head -c 9000 /dev/zero | tr '\0' 'b' > Big
$PY "$FIXTURES/mkole.py" full --text WordDocument="x" --stream Big=Big
size=$(stat -c %s full)
head -c $((size * 6 / 10)) full > "$OUT"
