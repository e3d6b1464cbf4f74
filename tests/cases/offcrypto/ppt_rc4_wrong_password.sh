# The same presentation with only a wrong candidate: encrypted.unopened, and
# the ciphertext hides the EICAR file (nothing matches).
cp "$EICAR" eicar.com
$PY "$FIXTURES/mkoffcrypto.py" rc4-ppt "$OUT" --password 'Sl1des!' --embed eicar.com=eicar.com
