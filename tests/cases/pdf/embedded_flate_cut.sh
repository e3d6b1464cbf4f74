$PY - <<'PYEOF'
import random
random.seed(3)
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
open("notes.txt", "w").write(" ".join(random.choice(words) for _ in range(4000)) + "\n")
PYEOF
$PY "$FIXTURES/mkpdf.py" embedded_cut "$OUT" notes.txt
