# A bare DER X.509 certificate (RFC 5280) from `openssl req -x509`: pass.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho DER Test" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
openssl x509 -in cert.pem -outform DER -out "$OUT"
