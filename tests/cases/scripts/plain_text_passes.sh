printf 'var x = 1; // a line of JavaScript quoted in a note\nSet the table.\n' > "$OUT"
