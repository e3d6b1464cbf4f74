# A bare PEM certificate (RFC 7468 "-----BEGIN CERTIFICATE-----"): typed
# x509 and parsed, not just text; pass.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho PEM Test" \
  -keyout key.pem -out "$OUT" -days 2 2>/dev/null
