# A plain text file with an empty resource fork: a known type that passes.
HERE=$(cd "$(dirname "$0")" && pwd)
printf 'Meeting notes, nothing to run.\n' > data
: > rsrc
$PY "$HERE/hqx.py" "$OUT" notes.txt data rsrc
mkdir check && (cd check && hexbin -3 "$OUT")
cmp data check/notes.txt.data
