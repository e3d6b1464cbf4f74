# An S/MIME encrypted mail (RFC 8551 3.3: application/pkcs7-mime;
# smime-type=enveloped-data) as `openssl smime -encrypt` writes it: no key
# here, so encrypted.unopened (not content.unknown).
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Recipient" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
printf 'Content-Type: text/plain\r\n\r\nThe new door code is 4711.\r\n' > entity.txt
openssl smime -encrypt -aes256 -in entity.txt -out enc.txt cert.pem
$PY - <<'PYEOF'
import email, email.policy, os
msg = email.message_from_bytes(open("enc.txt", "rb").read(), policy=email.policy.compat32)
msg["From"] = "Alice <alice@example.test>"
msg["To"] = "bob@example.test"
msg["Subject"] = "Door"
open(os.environ["OUT"], "wb").write(msg.as_bytes())
PYEOF
