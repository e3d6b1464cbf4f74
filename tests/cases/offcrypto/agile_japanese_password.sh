# A non-ASCII password (UTF-16LE in the key derivation), harvested from an
# ISO-2022-JP body: 「パスワード：春風2026」.
$PY "$FIXTURES/mkoffcrypto.py" agile report.docm --password '春風2026' --docm
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

BODY = "資料を添付します。\nパスワード：春風2026\n"

write(mail("agile_japanese_password", "資料",
           text_part(BODY, "iso2022_jp", "iso-2022-jp", "7bit", "plain"),
           attachment("report.docm", "application", "vnd.ms-word.document.macroEnabled.12",
                      "report.docm")))
PYEOF
