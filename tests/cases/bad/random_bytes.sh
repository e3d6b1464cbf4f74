$PY -c "import random,sys; sys.stdout.buffer.write(random.Random(7).randbytes(65536))" > "$OUT"
