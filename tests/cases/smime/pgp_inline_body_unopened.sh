# An inline PGP message in a plain-text body after a greeting (no PGP/MIME
# structure), the armour written by gpg --symmetric: encrypted.unopened.
export GNUPGHOME="$PWD/gnupg"
mkdir -m 700 "$GNUPGHOME"
printf 'The new door code is 4711.\n' > secret.txt
gpg --batch --quiet --pinentry-mode loopback --passphrase 'Sekisho' --armor -o secret.asc --symmetric secret.txt
$PY - <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import headers, write
from email.mime.text import MIMEText
msg = MIMEText("Hi Bob,\n\nsee below.\n\n" + open("secret.asc").read(), "plain", "us-ascii")
headers(msg, "Door", "pgp_inline_body_unopened")
write(msg)
PYEOF
