# A bare opaque-signed .p7m (DER, `openssl cms -sign -nodetach`) holding a
# plain text: unwrapped, the text scanned, pass.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Signer" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
printf 'Quarterly figures: revenue up 3%%, costs flat.\n' > figures.txt
openssl cms -sign -nodetach -binary -in figures.txt -signer cert.pem -inkey key.pem \
  -outform DER -out "$OUT"
