printf '<?xml version="1.0"?>\n<jobs><job-name>nightly</job-name></jobs>\n' > "$OUT"
