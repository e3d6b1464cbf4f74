# Audio that no unpacker walks and that carries no tag to sniff by: a Sun
# AU file written by Python's sunau module, MP3 encoded by LAME with no ID3
# tag and no Xing frame (-t), and one with LAME's Xing/Info first frame. All
# are media: the message passes, none is content.unknown.
$PY - <<'PYEOF'
import math
import struct
import warnings
import wave

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import sunau

tone = b"".join(struct.pack(">h", int(8000 * math.sin(i / 10))) for i in range(8000))
au = sunau.open("tone.au", "wb")
au.setnchannels(1)
au.setsampwidth(2)
au.setframerate(8000)
au.writeframes(tone)
au.close()
w = wave.open("tone.wav", "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(22050)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 10))) for i in range(22050)))
w.close()
PYEOF
lame --silent -t tone.wav plain.mp3
lame --silent -m m -b 32 --resample 8 tone.wav xing.mp3
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import attachment, mail, text_part, write

with open("plain.mp3", "rb") as f:
    assert not f.read(3) == b"ID3"
write(mail("audio_au_and_mp3_pass", "Voice mail",
           text_part("Your voice mail is attached.\n", "ascii", "us-ascii", "7bit"),
           attachment("tone.au", "audio", "basic", "message.snd"),
           attachment("plain.mp3", "audio", "mpeg", "message.mp3"),
           attachment("xing.mp3", "audio", "mpeg", "greeting.mp3")))
PYEOF
