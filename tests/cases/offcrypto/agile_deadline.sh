# spinCount claims 10,000,000 rounds (the spec's maximum): one candidate
# takes seconds, the 1-second deadline stops the trial: limit.time and
# encrypted.unopened saying the deadline passed.
$PY "$FIXTURES/mkoffcrypto.py" agile "$OUT" --password 'Kx7-pQ2z' --docm --spin 1000 --claim-spin 10000000
