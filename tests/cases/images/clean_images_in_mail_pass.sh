# A mail with the pictures signatures and newsletters carry, each written
# by Pillow with nothing after it: pass, and no image has a child.
for fmt in png jpeg gif bmp webp ico; do
    $PY "$FIXTURES/mkimage.py" $fmt "image.$fmt"
done
$PY "$FIXTURES/mkimage.py" gif anim.gif --frames 2
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

parts = [text_part("Regards,\nthe team\n", "ascii", "us-ascii", "7bit")]
for name, sub in [("image.png", "png"), ("image.jpeg", "jpeg"), ("image.gif", "gif"),
                  ("image.bmp", "bmp"), ("image.webp", "webp"), ("image.ico", "x-icon"),
                  ("anim.gif", "gif")]:
    parts.append(attachment(name, "image", sub, name))
write(mail("clean_images_in_mail_pass", "Newsletter", *parts))
PYEOF
