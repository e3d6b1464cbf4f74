# A small RTF whose groups are never closed (a truncated or deliberately
# unbalanced file): error.corrupt naming how many stay open.
printf '{\\rtf1\\ansi {\\b bold {\\i italic {\\ul text' > "$OUT"
