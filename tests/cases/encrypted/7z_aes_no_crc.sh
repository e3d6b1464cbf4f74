# One 7zAES-only folder, no CRC, EICAR padded to whole AES blocks: no
# candidate can be verified, so the wrong one tried first must not "open" it.
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > plain
$PY "$FIXTURES/mk7z.py" aes-nocrc "$OUT" pw plain
