# An .msg attached to an .eml (application/vnd.ms-outlook, as Outlook
# forwards "as attachment"): the outer mail says nothing of a password;
# the .msg is opened as a message, its UTF-16 body harvested before its ZIP.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Ml4!eml9' files.zip eicar.com
$PY "$FIXTURES/mkmsg.py" forwarded.msg --subject 'Files' \
    --body $'The files you asked for.\r\nPassword: Ml4!eml9\r\n' --attach 'files.zip=files.zip'
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

write(mail("msg_in_eml", "Fwd: Files",
           text_part("Forwarding the message attached.\n", "ascii", "us-ascii", "7bit"),
           attachment("forwarded.msg", "application", "vnd.ms-outlook", "Files.msg"),
           boundary="=_sekisho_msg_in_eml"))
PYEOF
