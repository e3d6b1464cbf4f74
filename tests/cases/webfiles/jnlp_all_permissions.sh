# Java Web Start asking for all-permissions, its jar from an http codebase (JSR-56).
cat > "$OUT" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<jnlp spec="1.0+" codebase="http://203.0.113.9/app" href="launch.jnlp">
  <information><title>Invoice viewer</title></information>
  <security><all-permissions/></security>
  <resources><j2se version="1.8+"/><jar href="viewer.jar" main="true"/></resources>
  <application-desc main-class="Main"/>
</jnlp>
EOF
