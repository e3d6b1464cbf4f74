# Plain text that opens with the word WEB, and mentions [InternetShortcut]
# further down: neither marker holds, so it stays text.
printf 'WEB\nmeeting moved to Tuesday\n\nTo add a link, write a [InternetShortcut]\nsection in a .url file.\n' > "$OUT"
