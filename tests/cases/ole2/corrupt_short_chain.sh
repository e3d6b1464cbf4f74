# A compound file whose structure is broken (short-chain): refused before libgsf
# reads it (error.corrupt), never a hang or a crash.
head -c 9000 /dev/zero | tr '\0' 'b' > Big
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="x" --text Small="small stream" --stream Big=Big --corrupt short-chain
