# A PEM certificate saved by a Windows editor: a UTF-8 BOM and a blank line
# before its BEGIN line. It is typed x509 and opened as one (not corrupt).
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho BOM Test" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
printf '\357\273\277\r\n' > "$OUT"
cat cert.pem >> "$OUT"
