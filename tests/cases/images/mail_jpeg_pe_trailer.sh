# An inline photo in a message with a PE appended: sandbox, as a PE
# anywhere else in a message.
$PY "$FIXTURES/mkpe.py" payload.exe
$PY "$FIXTURES/mkimage.py" jpeg photo.jpg --size 64x48 --append payload.exe
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

write(mail("mail_jpeg_pe_trailer", "Photos from the trip",
           text_part("See the photo.\n", "ascii", "us-ascii", "7bit"),
           attachment("photo.jpg", "image", "jpeg", "photo.jpg")))
PYEOF
