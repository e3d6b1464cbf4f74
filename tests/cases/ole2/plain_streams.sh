# Streams and storages only, all text: every stream is a child named by its
# storage path, nothing is flagged.
$PY "$FIXTURES/mkole.py" "$OUT" --text WordDocument="Dear customer," \
    --text "Notes/Page1"="first page" --text "Notes/Deep/Page2"="second page" \
    --text "Big"="$(head -c 6000 /dev/zero | tr '\0' 'a')"
