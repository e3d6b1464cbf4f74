# Negative: an ISO of text files passes.
mkdir -p tree/notes
printf 'minutes of the meeting\n' > tree/notes/minutes.txt
printf 'agenda\n' > tree/agenda.txt
xorriso -as mkisofs -quiet -J -R -o "$OUT" tree 2>/dev/null
