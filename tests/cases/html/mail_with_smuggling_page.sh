# A mail whose body is harmless HTML and whose attachment is a smuggling
# page: only the attachment is flagged, and its payload is a node of its own.
$PY "$FIXTURES/mkhtml.py" harmless body.html
$PY "$FIXTURES/mkhtml.py" base64_split page.html
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

write(mail("html_smuggling", "Your invoice",
           text_part(open("body.html").read(), "utf-8", "UTF-8", "quoted-printable", "html"),
           attachment("page.html", "text", "html", "Invoice_0423.html")))
PYEOF
