printf 'hello\n' > payload.txt
$PY "$FIXTURES/mkonenote.py" lying "$OUT" payload.txt
