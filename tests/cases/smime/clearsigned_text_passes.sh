# A clear-signed mail (RFC 8551 3.5.3: multipart/signed, the text beside an
# smime.p7s detached signature) as `openssl smime -sign` writes it, headers
# added with Python's email package: a known type, no content.unknown.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Signer" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nThe minutes of Monday are attached in the next mail.\r\n' > entity.txt
openssl smime -sign -in entity.txt -signer cert.pem -inkey key.pem -out signed.txt
$PY - <<'PYEOF'
import email, email.policy, os
msg = email.message_from_bytes(open("signed.txt", "rb").read(), policy=email.policy.compat32)
msg["From"] = "Alice <alice@example.test>"
msg["To"] = "bob@example.test"
msg["Subject"] = "Minutes"
msg["Message-ID"] = "<clearsigned_text_passes@sekisho.test>"
open(os.environ["OUT"], "wb").write(msg.as_bytes())
PYEOF
