# An Agile-encrypted .docm (AES-256, SHA-512, 100000 spins; written from
# MS-OFFCRYPTO by mkoffcrypto.py) attached to a mail whose body gives the
# password: the body's candidate opens it and the AutoOpen macro is found.
$PY "$FIXTURES/mkoffcrypto.py" agile report.docm --password 'Kx7-pQ2z' --docm
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

BODY = """\
Please find the report attached.
Password: Kx7-pQ2z
"""

write(mail("agile_docm_body_password", "Report",
           text_part(BODY, "ascii", "us-ascii", "7bit", "plain"),
           attachment("report.docm", "application", "vnd.ms-word.document.macroEnabled.12",
                      "report.docm")))
PYEOF
