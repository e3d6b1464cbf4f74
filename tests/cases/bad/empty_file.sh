: > "$OUT"
