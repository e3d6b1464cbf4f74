# An opaque-signed mail (RFC 8551 3.5.2: application/pkcs7-mime;
# smime-type=signed-data, smime.p7m) whose signed content is a MIME entity
# with only Content-Type at its top (no RFC 5322 fields): a text and a zip
# holding EICAR. The content is unwrapped and its zip opened: block.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X invoice.zip eicar.com
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Signer" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
$PY - <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import multipart, text_part, zip_part
entity = multipart("mixed", "=_sekisho_signed_inner",
                   text_part("Invoice attached.\n", "utf-8", "UTF-8", "7bit"),
                   zip_part("invoice.zip", "invoice.zip"))
del entity["MIME-Version"]
open("entity.txt", "wb").write(entity.as_bytes())
PYEOF
openssl smime -sign -nodetach -binary -in entity.txt -signer cert.pem -inkey key.pem -out signed.txt
$PY - <<'PYEOF'
import email, email.policy, os
msg = email.message_from_bytes(open("signed.txt", "rb").read(), policy=email.policy.compat32)
msg["From"] = "Alice <alice@example.test>"
msg["To"] = "bob@example.test"
msg["Subject"] = "Invoice"
open(os.environ["OUT"], "wb").write(msg.as_bytes())
PYEOF
