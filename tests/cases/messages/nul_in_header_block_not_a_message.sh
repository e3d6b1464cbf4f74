# Binary data whose first lines read like a message's header fields but
# with a NUL inside the header block: a header line never holds a NUL, so
# it is not a message and stays data of no known type.
printf 'From: a@example.jp\r\nTo: b@example.jp\r\nSubject: x\000y\r\n\r\n\000\001\002\003' > "$OUT"
