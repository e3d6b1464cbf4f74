# Binary data that opens with two "X-" lines and an empty line, as any
# format could: not a message (a message's header block holds one of its
# own fields, From, Date, Received, ...), so it stays data of no known type.
printf 'X-Format: 1\r\nX-Build: 7\r\n\r\n\000\001\002\003\004\005\006\007binary\000\000' > "$OUT"
