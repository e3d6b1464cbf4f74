# ZipCrypto keyed with the UTF-8 bytes of さくら2022 (7-Zip, Info-ZIP in a
# UTF-8 locale): still opened with the UTF-8 form tried first.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'さくら2022' "$OUT" eicar.com
unzip -tq -P 'さくら2022' "$OUT" >/dev/null
