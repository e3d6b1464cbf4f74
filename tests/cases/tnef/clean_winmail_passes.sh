# A benign Outlook rich-text mail: text body, winmail.dat with an LZFu RTF
# body, a plain body and a text attachment. Nothing unknown is left: pass.
printf '{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\\pard Hello, see the minutes.\\par}\r\n' > body.rtf
printf 'Minutes of the meeting\n' > minutes.txt
$PY "$FIXTURES/mktnef.py" winmail.dat --rtf body.rtf --body "Hello, see the minutes." --attach minutes.txt=minutes.txt
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

write(mail("clean_winmail_passes", "Minutes",
           text_part("Hello, see the minutes.\n", "us-ascii", "us-ascii", "7bit"),
           attachment("winmail.dat", "application", "ms-tnef", "winmail.dat")))
PYEOF
