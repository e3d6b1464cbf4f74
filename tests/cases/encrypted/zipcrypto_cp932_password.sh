# ZipCrypto keyed with the password's CP932 bytes, as Lhaplus, Explzh and
# Explorer on a Japanese system write it: Info-ZIP zip is given the raw
# bytes of さくら2022 in CP932 (82 b3 82 ad 82 e7 32 30 32 32), and unzip
# checks the result with the same bytes.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
PW=$(printf '\202\263\202\255\202\3472022')
zip -q -X -P "$PW" "$OUT" eicar.com
unzip -tq -P "$PW" "$OUT" >/dev/null
