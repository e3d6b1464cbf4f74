# A PE cut inside its sections: still an executable, and corrupt.
$PY "$FIXTURES/mkpe.py" "$OUT" --truncate 1200
