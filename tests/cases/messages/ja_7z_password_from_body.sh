# Japanese PPAP with a 7z: the body says パスワード：さくら桜2024 (UTF-8); the 7z is
# encrypted with that password (7-Zip hashes its UTF-16LE form) and opened with the
# harvested candidate after the two wrong ones the request gives.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
"$SEVENZ" a -bd -y -p'さくら桜2024' -mhe=on mitsumori.7z eicar.com >/dev/null
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

BODY = """\
お世話になっております。
見積書を 7z で送付いたします。
パスワード：さくら桜2024
よろしくお願いいたします。
"""

write(mail("ja_7z_password_from_body", "見積書",
           text_part(BODY, "utf-8", "UTF-8", "8bit", "plain"),
           attachment("mitsumori.7z", "application", "x-7z-compressed", "mitsumori.7z")))
PYEOF
