printf "minutes of the meeting\n" > minutes.txt
zip -q -X -P "pw 2024" "$OUT" minutes.txt
