# One zip, two members encrypted with different passwords (two zip -P runs
# appending to the same archive); both passwords are in the body, so both
# members are opened, each with its own password.
export TZ=UTC
cp "$EICAR" eicar.com
printf 'quarterly numbers\n' > report.txt
touch -d '2024-01-15 13:05:00' eicar.com report.txt
zip -q -X -P 'Alp#h4x' invoice.zip eicar.com
zip -q -X -P 'Bet4-zz9' invoice.zip report.txt
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Hello,
the archive has two files with two passwords.
PW: Alp#h4x
PW: Bet4-zz9
"""

write(mail("two_passwords_in_body", "Two files",
           text_part(BODY, "ascii", "us-ascii", "7bit"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF
