printf 'var total = 1 + 2;\n' > "$OUT"
