# A message that starts with an mbox separator line with its date (mboxo) before its
# headers must still be read as a message: EICAR in a zip in a zip, found
# (clamav-milter writes such a line before every message it streams).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X inner.zip eicar.com
zip -q -X outer.zip inner.zip
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

write(mail("mbox_from_dated", "Invoice",
           text_part("See attached.\n", "ascii", "us-ascii", "7bit", "plain"),
           zip_part("outer.zip", "outer.zip")))
PYEOF
mv "$OUT" message.eml
{ printf "From sato@example.co.jp Mon Jan 15 13:05:00 2024\\n"; cat message.eml; } > "$OUT"
