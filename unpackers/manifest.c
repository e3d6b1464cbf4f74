/* XML files that make Windows, Office or Java fetch or run code: Java Web
 * Start (.jnlp), VSTO add-in and ClickOnce deployment manifests (.vsto,
 * .application, .dll.manifest), .SettingContent-ms, Windows libraries
 * (.library-ms) and search connectors (.searchConnector-ms), and Windows
 * Script Components (.wsc, .sct scriptlets).
 *
 * Spec: each is an XML document told apart by its root element, which is
 * all this file needs of their schemas: JSR-56 (JNLP 1.0: <jnlp codebase>,
 * <security><all-permissions/>, <resources><jar href>/<nativelib href>);
 * Microsoft's ClickOnce and VSTO manifest schemas (<asm:assembly> of
 * urn:schemas-microsoft-com:asm.v1 with a <deployment> element or a VSTO
 * <addIn>; <dependentAssembly codebase>, <deploymentProvider codebase>);
 * the Settings shell's <PCSettings><SearchableContent><ApplicationInformation>
 * <DeepLink> (the command it runs); the Windows Library Description and
 * Search Connector Description schemas (<libraryDescription>,
 * <searchConnectorDescription>; each location's <url>); and Windows Script
 * Components (<component> or <scriptlet>, alone or inside <package>, with
 * <script language>). One file because one scanner (xmlscan.c) and one
 * shape serve them all: a root element, then the element that holds the
 * target; each format is a row of the table below, not a module.
 * Supports: the type by root element (a <package> counts as a script
 * component only when its first element is <component>: a WSF's is <job>,
 * which script.c keeps); the target in `info` ("target"); the reasons:
 * dropper.jnlp (all-permissions, or a jar from a remote codebase or URL),
 * dropper.vsto (every deployment manifest and VSTO add-in: installing code
 * is what they are for), dropper.setting_content (a DeepLink),
 * link.remote_target (a library or connector location that is a UNC path
 * or an http(s) or file://host URL), dropper.scriptlet (a component with
 * a script); a component's scripts are handed back as children
 * ("script_N.js", ".vbs", else ".txt") for script.c to open.
 * Refuses: nothing; a library with local locations only is typed and
 * passes. Entities in a script's text are not decoded (CDATA is the usual
 * form). Limits: the root is looked for in the first MANIFEST_ROOT bytes,
 * the rest in the first MANIFEST_HEAD; the scanner is linear; at most
 * MANIFEST_SCRIPTS children; no allocation. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/error.h"
#include "../engine/reader.h"
#include "unpacker.h"
#include "xmlscan.h"

#define MANIFEST_ROOT 4096u
#define MANIFEST_HEAD (256u * 1024u)
#define MANIFEST_SCRIPTS 64u
#define TARGET_MAX 400u /* bytes of a decoded target kept for info */

static struct sk_xml_scan scan_of(const struct sk_node *node, size_t cap)
{
    struct sk_xml_scan s = {(const char *)node->data.p,
                            node->data.len < cap ? node->data.len : cap, 0};
    return s;
}

/* The first start tag. */
static bool first_open(struct sk_xml_scan *s, struct sk_xml_tok *out)
{
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind != SK_XML_END; t = sk_xml_next(s))
        if (t.kind == SK_XML_OPEN) {
            *out = t;
            return true;
        }
    return false;
}

/* The type the root element shows, or SK_TYPE_DATA. */
static enum sk_type type_by_root(const struct sk_node *node)
{
    struct sk_xml_scan s = scan_of(node, MANIFEST_ROOT);
    struct sk_xml_tok root, t;
    if (!first_open(&s, &root))
        return SK_TYPE_DATA;
    if (sk_xml_is(&root, "jnlp"))
        return SK_TYPE_JNLP;
    if (sk_xml_is(&root, "PCSettings"))
        return SK_TYPE_SETTING_CONTENT;
    if (sk_xml_is(&root, "libraryDescription"))
        return SK_TYPE_LIBRARY_MS;
    if (sk_xml_is(&root, "searchConnectorDescription"))
        return SK_TYPE_SEARCH_CONNECTOR;
    if (sk_xml_is(&root, "component") || sk_xml_is(&root, "scriptlet"))
        return SK_TYPE_WSC;
    if (sk_xml_is(&root, "package"))
        return first_open(&s, &t) && sk_xml_is(&t, "component") ? SK_TYPE_WSC : SK_TYPE_DATA;
    if (sk_xml_is(&root, "assembly")) {
        /* a side-by-side application manifest is an <assembly> too: only a
         * deployment or a VSTO add-in installs anything */
        struct sk_xml_scan all = scan_of(node, MANIFEST_HEAD), again = all;
        return sk_xml_find(&all, "deployment", &t) || sk_xml_find(&again, "addIn", &t)
                   ? SK_TYPE_VSTO
                   : SK_TYPE_DATA;
    }
    return SK_TYPE_DATA;
}

/* Their root element on XML or text (one without a prolog): 90, above a
 * script's 85 (a component's script lines are its content, not its type)
 * and HTML's 75. A node already typed one of these: 90. */
static int bid(const struct sk_node *node, enum sk_type *type)
{
    switch (node->type) {
    case SK_TYPE_JNLP:
    case SK_TYPE_VSTO:
    case SK_TYPE_SETTING_CONTENT:
    case SK_TYPE_LIBRARY_MS:
    case SK_TYPE_SEARCH_CONNECTOR:
    case SK_TYPE_WSC: return 90;
    case SK_TYPE_XML:
    case SK_TYPE_TEXT:
    case SK_TYPE_HTML: break;
    default: return 0;
    }
    enum sk_type shown = type_by_root(node);
    if (shown == SK_TYPE_DATA)
        return 0;
    *type = shown;
    return 90;
}

/* The white space that opens p[0..n). */
static size_t leading_space(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

/* The text of the element just opened (its first text token that is not
 * white space) decoded into out: its length, 0 when there is none. */
static size_t element_text(struct sk_xml_scan *s, char *out, size_t cap)
{
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind == SK_XML_TEXT; t = sk_xml_next(s)) {
        size_t skip = leading_space(t.text, t.text_len);
        if (skip >= t.text_len)
            continue;
        size_t used,
            len = sk_xml_decode(t.text + skip, t.text_len - skip, t.raw, &used, out, cap - 1);
        while (len > 0 && strchr(" \t\r\n", out[len - 1]))
            len--;
        out[len] = '\0';
        return len;
    }
    return 0;
}

static bool starts_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* A URL fetched from elsewhere (JNLP's codebase or href). */
static bool is_remote_url(const char *s)
{
    return starts_ci(s, "http://") || starts_ci(s, "https://") || starts_ci(s, "ftp://");
}

/* --- one opener per format ------------------------------------------- */

static int open_jnlp(struct sk_unpack *u)
{
    struct sk_xml_scan s = scan_of(u->node, MANIFEST_HEAD);
    char codebase[TARGET_MAX] = "", jar[TARGET_MAX] = "";
    bool all_permissions = false, remote_jar = false;
    for (struct sk_xml_tok t = sk_xml_next(&s); t.kind != SK_XML_END; t = sk_xml_next(&s)) {
        if (t.kind != SK_XML_OPEN)
            continue;
        if (sk_xml_is(&t, "jnlp"))
            sk_xml_attr_text(&t, "codebase", codebase, sizeof codebase);
        else if (sk_xml_is(&t, "all-permissions") ||
                 sk_xml_is(&t, "j2ee-application-client-permissions"))
            all_permissions = true;
        else if ((sk_xml_is(&t, "jar") || sk_xml_is(&t, "nativelib")) && !remote_jar) {
            sk_xml_attr_text(&t, "href", jar, sizeof jar);
            remote_jar = is_remote_url(jar) || (jar[0] && is_remote_url(codebase));
        }
    }
    sk_unpack_info(u, "target", "%s%s%s", jar, codebase[0] ? " from " : "", codebase);
    if (all_permissions || remote_jar)
        sk_unpack_reason(u, "dropper.jnlp", "Java Web Start%s%s: jar %s%s%s",
                         all_permissions ? " with all-permissions" : "",
                         remote_jar ? " from a remote codebase" : "", jar[0] ? jar : "(none)",
                         codebase[0] ? " from " : "", codebase);
    return 0;
}

static int open_vsto(struct sk_unpack *u)
{
    struct sk_xml_scan s = scan_of(u->node, MANIFEST_HEAD);
    char target[TARGET_MAX] = "";
    bool addin = false;
    for (struct sk_xml_tok t = sk_xml_next(&s); t.kind != SK_XML_END; t = sk_xml_next(&s)) {
        if (t.kind != SK_XML_OPEN)
            continue;
        addin |= sk_xml_is(&t, "addIn");
        /* the provider's URL says where updates come from; the dependent
         * assembly's codebase what is installed: the first one wins */
        if (!target[0] &&
            (sk_xml_is(&t, "deploymentProvider") || sk_xml_is(&t, "dependentAssembly")))
            sk_xml_attr_text(&t, "codebase", target, sizeof target);
    }
    sk_unpack_info(u, "target", "%s", target[0] ? target : "(none)");
    sk_unpack_reason(u, "dropper.vsto", "%s manifest: codebase %s",
                     addin ? "VSTO add-in" : "ClickOnce/VSTO deployment",
                     target[0] ? target : "(none)");
    return 0;
}

static int open_setting_content(struct sk_unpack *u)
{
    struct sk_xml_scan s = scan_of(u->node, MANIFEST_HEAD);
    struct sk_xml_tok t;
    char command[TARGET_MAX] = "";
    if (sk_xml_find(&s, "DeepLink", &t) && !t.empty)
        element_text(&s, command, sizeof command);
    sk_unpack_info(u, "target", "%s", command[0] ? command : "(none)");
    if (command[0])
        sk_unpack_reason(u, "dropper.setting_content", "DeepLink runs %s", command);
    return 0;
}

/* A location on another machine: a UNC path, an http(s) URL (WebDAV) or a
 * file:// URL that names a host. */
static bool is_remote_location(const char *s)
{
    return starts_ci(s, "\\\\") || starts_ci(s, "//") || starts_ci(s, "http://") ||
           starts_ci(s, "https://") || (starts_ci(s, "file://") && !starts_ci(s, "file:///"));
}

static int open_location(struct sk_unpack *u)
{
    struct sk_xml_scan s = scan_of(u->node, MANIFEST_HEAD);
    struct sk_xml_tok t;
    char url[TARGET_MAX] = "", first[TARGET_MAX] = "";
    bool remote = false;
    while (!remote && sk_xml_find(&s, "url", &t)) {
        if (t.empty || element_text(&s, url, sizeof url) == 0)
            continue;
        if (!first[0])
            memcpy(first, url, sizeof first);
        remote = is_remote_location(url);
    }
    const char *target = remote ? url : first;
    sk_unpack_info(u, "target", "%s", target[0] ? target : "(none)");
    if (remote)
        sk_unpack_reason(u, "link.remote_target", "%s location on a remote share: %s",
                         u->node->type == SK_TYPE_LIBRARY_MS ? "library" : "search connector",
                         url);
    return 0;
}

/* --- script components: the scripts as children ----------------------- */

struct script_ref {
    const char *text;
    size_t len;
    const char *ext;
};

struct wsc_state {
    struct script_ref scripts[MANIFEST_SCRIPTS];
    size_t count, next;
    char name[32];
};

static const char *script_ext(const char *language)
{
    if (strcasestr(language, "jscript") || strcasestr(language, "javascript"))
        return ".js";
    if (strcasestr(language, "vbscript"))
        return ".vbs";
    return ".txt";
}

/* The script element's first text token that is not white space. */
static bool script_text(struct sk_xml_scan *s, struct script_ref *out)
{
    for (struct sk_xml_tok t = sk_xml_next(s); t.kind == SK_XML_TEXT; t = sk_xml_next(s)) {
        if (leading_space(t.text, t.text_len) >= t.text_len)
            continue;
        out->text = t.text;
        out->len = t.text_len;
        return true;
    }
    return false;
}

/* A component's target is the class it registers (what regsvr32 and
 * scrobj make of it) and its scripts, which are what runs. */
static int open_wsc(struct sk_unpack *u, struct wsc_state *st)
{
    struct sk_xml_scan s = scan_of(u->node, MANIFEST_HEAD);
    char languages[TARGET_MAX] = "", language[32], progid[TARGET_MAX] = "";
    size_t used = 0;
    for (struct sk_xml_tok t = sk_xml_next(&s);
         t.kind != SK_XML_END && st->count < MANIFEST_SCRIPTS; t = sk_xml_next(&s)) {
        if (t.kind != SK_XML_OPEN)
            continue;
        if (sk_xml_is(&t, "registration") && !progid[0])
            sk_xml_attr_text(&t, "progid", progid, sizeof progid);
        if (!sk_xml_is(&t, "script"))
            continue;
        if (sk_xml_attr_text(&t, "language", language, sizeof language) == 0)
            snprintf(language, sizeof language, "%s", "JScript"); /* scrobj's default */
        struct script_ref *ref = &st->scripts[st->count];
        ref->ext = script_ext(language);
        if (t.empty || !script_text(&s, ref))
            continue;
        st->count++;
        if (!strcasestr(languages, language) && used + strlen(language) + 3 < sizeof languages)
            used += (size_t)snprintf(languages + used, sizeof languages - used, "%s%s",
                                     used ? ", " : "", language);
    }
    sk_unpack_info(u, "target", "%s%s", progid[0] ? "progid " : "",
                   progid[0] ? progid : "(none)");
    sk_unpack_info(u, "languages", "%s", languages[0] ? languages : "(no script)");
    if (st->count > 0)
        sk_unpack_reason(u, "dropper.scriptlet",
                         "Windows Script Component %s with %zu script%s (%s)",
                         progid[0] ? progid : "(no progid)", st->count,
                         st->count == 1 ? "" : "s", languages);
    return 0;
}

static int open_manifest(struct sk_unpack *u, void **out)
{
    *out = NULL;
    switch (u->node->type) {
    case SK_TYPE_JNLP: return open_jnlp(u);
    case SK_TYPE_VSTO: return open_vsto(u);
    case SK_TYPE_SETTING_CONTENT: return open_setting_content(u);
    case SK_TYPE_LIBRARY_MS:
    case SK_TYPE_SEARCH_CONNECTOR: return open_location(u);
    case SK_TYPE_WSC: break;
    default: return SK_EINVAL;
    }
    struct wsc_state *st = sk_unpack_calloc(u, 1, sizeof *st);
    if (!st)
        return SK_ENOMEM;
    *out = st;
    return open_wsc(u, st);
}

static int next_manifest(struct sk_unpack *u, void *state, struct sk_child *child)
{
    struct wsc_state *st = state;
    if (!st || st->next >= st->count)
        return SK_DONE;
    const struct script_ref *ref = &st->scripts[st->next++];
    snprintf(st->name, sizeof st->name, "script_%zu%s", st->next, ref->ext);
    child->name = st->name;
    child->name_len = strlen(st->name);
    return sk_unpack_view(u, &child->data, ref->text, ref->len);
}

static void close_manifest(void *state)
{
    free(state);
}

const struct sk_unpacker sk_unpacker_manifest = {
    .name = "manifest",
    .bid = bid,
    .open = open_manifest,
    .next = next_manifest,
    .close = close_manifest,
};
