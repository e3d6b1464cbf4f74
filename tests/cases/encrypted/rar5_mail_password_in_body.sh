# A mail with an encrypted RAR5 attached and its password in the body, the
# way PPAP mail sends it: the body's candidate opens the archive, EICAR
# inside blocks, and the password is reported with its source.
cp "$EICAR" eicar.com
$MKARCHIVE rar5-aes invoice.rar --password 'Rar5#Body' eicar.com=eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

BODY = """\
Hello,
please find the invoice attached.
Password: Rar5#Body
"""
write(mail("rar5_mail_password_in_body", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "quoted-printable"),
           attachment("invoice.rar", "application", "vnd.rar", "invoice.rar")))
PYEOF
