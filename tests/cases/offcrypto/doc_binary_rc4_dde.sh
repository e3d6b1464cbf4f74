# The same letter under binary RC4 (MD5, MS-OFFCRYPTO 2.3.6), its password
# in the mail body: the DDEAUTO field is found after decryption.
$PY "$FIXTURES/mkoffcrypto.py" rc4-doc letter.doc --password 'Wd-2026' --binary
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

write(mail("doc_binary_rc4_dde", "Letter",
           text_part("The letter is attached.\npassword: Wd-2026\n", "ascii", "us-ascii", "7bit"),
           attachment("letter.doc", "application", "msword", "letter.doc")))
PYEOF
