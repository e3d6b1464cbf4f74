# An RTF of 100 MiB of `{` after its header, group nesting never closed:
# read without recursion within the bounds (max-bytes raised so that the
# parser, not the size limit, meets it).
{ printf '{\\rtf1\\ansi '; head -c 100M /dev/zero | tr '\0' '{'; } > "$OUT"
