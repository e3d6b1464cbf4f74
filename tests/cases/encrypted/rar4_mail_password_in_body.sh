# A mail with an encrypted RAR4 attached and its password in the body, the
# way PPAP mail sends it: the body's candidate opens the archive, EICAR
# inside blocks, and the password is reported with its source.
cp "$EICAR" eicar.com
$MKARCHIVE rar4-aes invoice.rar --password 'Rar4#Body' eicar.com=eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

BODY = """\
Hello,
please find the invoice attached.
Password: Rar4#Body
"""
write(mail("rar4_mail_password_in_body", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "quoted-printable"),
           attachment("invoice.rar", "application", "vnd.rar", "invoice.rar")))
PYEOF
