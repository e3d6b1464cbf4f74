# A WSF: <package> whose first element is <job>, which script.c keeps.
printf '<?xml version="1.0"?>\n<package>\n<job id="a">\n<script language="VBScript">WScript.Echo 1</script>\n</job>\n</package>\n' > "$OUT"
