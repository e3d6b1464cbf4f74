# A detached signature (`openssl smime -sign`, DER) with a zip holding
# EICAR appended after its last byte: the bytes after the ContentInfo are
# the child `trailer`, opened like any file: block.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X payload.zip eicar.com
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Signer" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
printf 'hello\r\n' > text.txt
openssl smime -sign -binary -in text.txt -signer cert.pem -inkey key.pem -outform DER -out sig.p7s
cat sig.p7s payload.zip > "$OUT"
