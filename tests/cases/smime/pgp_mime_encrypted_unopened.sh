# A PGP/MIME encrypted mail (RFC 3156 4: multipart/encrypted;
# protocol="application/pgp-encrypted", the "Version: 1" part, then the
# armoured message) made by gpg with a throwaway key in a private
# GNUPGHOME, the mail by Python's email package: encrypted.unopened.
export GNUPGHOME="$PWD/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'Sekisho Test <bob@example.test>' rsa2048 encr never 2>/dev/null
printf 'The new door code is 4711.\n' > secret.txt
gpg --batch --quiet --trust-model always --armor -r bob@example.test -o secret.asc --encrypt secret.txt
$PY - <<'PYEOF'
import os
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.encoders import encode_7or8bit
msg = MIMEMultipart("encrypted", protocol="application/pgp-encrypted",
                    boundary="=_sekisho_pgp")
version = MIMEApplication("Version: 1\n", "pgp-encrypted", encode_7or8bit)
data = MIMEApplication(open("secret.asc").read(), "octet-stream", encode_7or8bit, name="encrypted.asc")
data.add_header("Content-Disposition", "inline", filename="encrypted.asc")
msg.attach(version)
msg.attach(data)
msg["From"] = "Alice <alice@example.test>"
msg["To"] = "bob@example.test"
msg["Subject"] = "Door"
open(os.environ["OUT"], "wb").write(msg.as_bytes())
PYEOF
