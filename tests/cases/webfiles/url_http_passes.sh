# An Internet shortcut to a web page: typed, its target reported, passes.
printf '[InternetShortcut]\r\nURL=https://www.example.com/agenda\r\n' > "$OUT"
