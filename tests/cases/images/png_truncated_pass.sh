# A PNG cut off inside its image data (an interrupted download): an image
# whose end cannot be found is still an image: pass, no child, no error;
# the node's info says why the walk stopped.
$PY "$FIXTURES/mkimage.py" png "$OUT" --truncate 3000
