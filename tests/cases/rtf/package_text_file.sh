printf "hello\n" > payload.txt
$PY "$FIXTURES/mkrtf.py" package "$OUT" payload.txt
