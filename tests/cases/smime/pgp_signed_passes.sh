# A PGP/MIME signed mail (RFC 3156 5: multipart/signed;
# protocol="application/pgp-signature", the text beside signature.asc),
# signed by gpg with a throwaway key: the signature is a known type, pass.
export GNUPGHOME="$PWD/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'Sekisho Test <alice@example.test>' rsa2048 sign never 2>/dev/null
$PY - <<'PYEOF'
from email.mime.text import MIMEText
part = MIMEText("The minutes of Monday are attached in the next mail.\n", "plain", "us-ascii")
open("signed-part.txt", "wb").write(part.as_bytes().replace(b"\n", b"\r\n"))
PYEOF
gpg --batch --quiet --armor --detach-sign -u alice@example.test -o signature.asc signed-part.txt
$PY - <<'PYEOF'
import email, os
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.encoders import encode_7or8bit
msg = MIMEMultipart("signed", protocol="application/pgp-signature", micalg="pgp-sha256",
                    boundary="=_sekisho_pgp_signed")
msg.attach(email.message_from_bytes(open("signed-part.txt", "rb").read()))
sig = MIMEApplication(open("signature.asc").read(), "pgp-signature", encode_7or8bit, name="signature.asc")
sig.add_header("Content-Disposition", "attachment", filename="signature.asc")
msg.attach(sig)
msg["From"] = "Alice <alice@example.test>"
msg["To"] = "bob@example.test"
msg["Subject"] = "Minutes"
open(os.environ["OUT"], "wb").write(msg.as_bytes())
PYEOF
