# A certificate-only message (RFC 8551 3.6: application/pkcs7-mime;
# smime-type=certs-only, smime.p7c) from `openssl crl2pkcs7 -nocrl`,
# attached with Python's email package: a known type, pass.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=Sekisho Test Signer" \
  -keyout key.pem -out cert.pem -days 2 2>/dev/null
openssl crl2pkcs7 -nocrl -certfile cert.pem -outform DER -out certs.p7c
$PY - <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write
write(mail("certs_only_p7c_passes", "My certificate",
           text_part("Here is my certificate.\n", "utf-8", "UTF-8", "7bit"),
           attachment("certs.p7c", "application", "pkcs7-mime", "smime.p7c")))
PYEOF
