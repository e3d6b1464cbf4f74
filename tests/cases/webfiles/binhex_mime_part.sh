# An application/mac-binhex40 part of a message (RFC 1741 section 2).
HERE=$(cd "$(dirname "$0")" && pwd)
printf 'WScript.Echo("hi");\n' > data
: > rsrc
$PY "$HERE/hqx.py" part.hqx payload.js data rsrc
{
  printf 'From: a@example.com\r\nTo: b@example.com\r\nSubject: file\r\nMIME-Version: 1.0\r\n'
  printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
  printf 'Content-Type: text/plain\r\n\r\nhere it is\r\n--b1\r\n'
  printf 'Content-Type: application/mac-binhex40; name="payload.hqx"\r\n'
  printf 'Content-Disposition: attachment; filename="payload.hqx"\r\n\r\n'
  cat part.hqx
  printf '\r\n--b1--\r\n'
} > "$OUT"
