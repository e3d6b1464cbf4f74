# Signed inside signed: EICAR signed with `openssl cms -sign -nodetach`,
# that .p7m signed again. Each layer is a child of the one around it (the
# engine's depth limit bounds them): block at the innermost content.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Signer" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
openssl cms -sign -nodetach -binary -in "$EICAR" -signer cert.pem -inkey key.pem \
  -outform DER -out inner.p7m
openssl cms -sign -nodetach -binary -in inner.p7m -signer cert.pem -inkey key.pem \
  -outform DER -out "$OUT"
