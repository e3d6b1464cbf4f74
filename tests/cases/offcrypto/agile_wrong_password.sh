# The same kind of document with only wrong candidates: it stays closed,
# encrypted.unopened names the scheme and how many candidates were tried.
$PY "$FIXTURES/mkoffcrypto.py" agile "$OUT" --password 'Kx7-pQ2z' --docm
