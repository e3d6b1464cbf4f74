# An opaque-signed .p7m cut to its first 700 bytes (the signer's
# certificate and signature missing): OpenSSL cannot parse it, error.corrupt.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Signer" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
printf 'Content-Type: text/plain\r\n\r\nhello\r\n' > entity.txt
openssl cms -sign -nodetach -binary -in entity.txt -signer cert.pem -inkey key.pem \
  -outform DER -out whole.p7m
head -c 700 whole.p7m > "$OUT"
