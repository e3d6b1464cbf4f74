printf '<?xml version="1.0"?>\n<job id="main">\n<script language="JScript">WScript.Echo(1);</script>\n</job>\n' > "$OUT"
