# The 2022-2023 shape end to end: a mail whose password-protected zip holds
# an ISO that holds a shortcut running a hidden DLL, the password in the
# body. The shortcut's reason and the ISO's container.disk_image must both
# come out with their full paths.
mkdir -p tree
$PY "$FIXTURES/mkpe.py" tree/data.dll --dll
$PY "$FIXTURES/mklnk.py" tree/Document.lnk --target 'C:\Windows\System32\rundll32.exe' --args 'data.dll,DllRegisterServer'
xorriso -as mkisofs -quiet -J -R -o Document.iso tree 2>/dev/null
zip -q -P 'Qz-4417' Document.zip Document.iso
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = "Please find the document attached.\n\nPassword: Qz-4417\n"
write(mail("mail_iso_lnk_in_zip", "Re: your order",
           text_part(BODY, "ascii", "us-ascii", "7bit"),
           zip_part("Document.zip", "Document.zip")))
PYEOF
