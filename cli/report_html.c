/* The HTML report (report_html.h). The page needs nothing from outside: the
 * style and the script are inline and allowed by their SHA-256 in a strict
 * Content-Security-Policy (default-src 'none': no request of any kind), and
 * no data is embedded for the script (it reads the rows' data- attributes),
 * so there is no JSON inside a <script> to break out of. Every string from
 * a verdict goes through sk_safe_text (controls and bidi controls shown as
 * \x.. and \u....) and then HTML escaping (& < > " '). */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_html.h"
#include "safetext.h"
#include "tree.h"

/* Distinct reason codes tallied for "the reasons most seen"; past this the
 * rest are counted as "other". */
#define TALLY_MAX 1024
#define TOP_REASONS 10
/* Nesting drawn for one tree; the engine's --max-depth is far below. */
#define TREE_MAX_DEPTH 64

struct tally {
    char *code;
    size_t count;
};

struct sk_html_report {
    char *path;
    FILE *store; /* one line per input: {"id","verdict","bytes","v"} */
    size_t inputs;
    size_t count[3];
    unsigned long long bytes;
    struct tally *tally;
    size_t n_tally;
    size_t other_reasons;
};

static const char STYLE[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th[data-key]{cursor:pointer;user-select:none}th[data-key]:after{content:' \\2195';color:#999}"
    ".v{font-weight:bold;text-transform:uppercase;font-size:.85em}"
    ".pass{color:#1a7f37}.sandbox{color:#9a6700}.block{color:#cf222e}"
    "code,.name{font-family:ui-monospace,monospace;word-break:break-all}"
    "ul.tree{list-style:none;padding-left:1.2em;margin:.2em 0}ul.tree li{margin:.1em 0}"
    ".meta{color:#666}.finding{margin-left:1.2em}.pw{color:#0969da}"
    "#filters{margin:1em 0}#filters label{margin-right:1em}"
    "table.sum{width:auto}.sum td,.sum th{border:none;padding:.1em 1em .1em 0}";

static const char SCRIPT[] =
    "(function(){"
    "var body=document.querySelector('#inputs tbody');"
    "var rows=Array.prototype.slice.call(body.rows);"
    "var fv=document.getElementById('fverdict'),fr=document.getElementById('freason');"
    "function apply(){var v=fv.value,r=fr.value.trim().toLowerCase();"
    "rows.forEach(function(tr){var ok=(!v||tr.dataset.verdict===v)&&"
    "(!r||tr.dataset.reasons.toLowerCase().indexOf(r)>=0);tr.hidden=!ok;});"
    "document.getElementById('shown').textContent=String(rows.filter(function(tr){"
    "return !tr.hidden;}).length);}"
    "fv.addEventListener('change',apply);fr.addEventListener('input',apply);"
    "Array.prototype.forEach.call(document.querySelectorAll('#inputs th[data-key]'),"
    "function(th){th.addEventListener('click',function(){var k=th.dataset.key;"
    "var dir=th.dataset.dir==='asc'?'desc':'asc';th.dataset.dir=dir;"
    "var num=k==='rank'||k==='bytes'||k==='n';"
    "rows.sort(function(a,b){var x=a.dataset[k],y=b.dataset[k];if(num){x=+x;y=+y;}"
    "return (x<y?-1:x>y?1:0)*(dir==='asc'?1:-1);});"
    "rows.forEach(function(tr){body.appendChild(tr);});});});"
    "apply();})();";

/* ---- escaping ---- */

static void put_html(FILE *f, const char *s, size_t n)
{
    char *safe = sk_safe_text(s, n);
    if (!safe)
        return;
    for (const char *p = safe; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*p, f);
        }
    }
    free(safe);
}

static void put_cstr(FILE *f, const char *s)
{
    if (s)
        put_html(f, s, strlen(s));
}

/* A JSON value as escaped text: a string as itself, anything else as JSON. */
static void put_json(FILE *f, const json_t *v)
{
    if (json_is_string(v)) {
        put_html(f, json_string_value(v), json_string_length(v));
        return;
    }
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    put_cstr(f, text);
    free(text);
}

static const char *verdict_name(const char *v)
{
    if (v && (strcmp(v, "pass") == 0 || strcmp(v, "sandbox") == 0 || strcmp(v, "block") == 0))
        return v;
    return "sandbox";
}

static int verdict_rank(const char *v)
{
    return strcmp(v, "block") == 0 ? 2 : strcmp(v, "sandbox") == 0 ? 1 : 0;
}

/* ---- collecting ---- */

struct sk_html_report *sk_html_report_open(const char *path)
{
    FILE *probe = fopen(path, "w");
    if (!probe)
        return NULL;
    fclose(probe);
    struct sk_html_report *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path)) || !(r->store = tmpfile())) {
        int err = errno ? errno : ENOMEM;
        if (r)
            free(r->path);
        free(r);
        errno = err;
        return NULL;
    }
    return r;
}

static void tally_reason(struct sk_html_report *r, const char *code)
{
    for (size_t i = 0; i < r->n_tally; i++)
        if (strcmp(r->tally[i].code, code) == 0) {
            r->tally[i].count++;
            return;
        }
    if (r->n_tally == TALLY_MAX) {
        r->other_reasons++;
        return;
    }
    if (r->n_tally % 64 == 0) {
        struct tally *grown = realloc(r->tally, (r->n_tally + 64) * sizeof *grown);
        if (!grown) {
            r->other_reasons++;
            return;
        }
        r->tally = grown;
    }
    char *copy = strdup(code);
    if (!copy) {
        r->other_reasons++;
        return;
    }
    r->tally[r->n_tally++] = (struct tally){copy, 1};
}

void sk_html_report_add(struct sk_html_report *r, const char *id, const char *json,
                        enum sk_verdict verdict, unsigned long long bytes)
{
    json_t *v = json ? json_loads(json, 0, NULL) : NULL;
    size_t i;
    json_t *reason;
    /* Each code once per input: "most seen" counts inputs. */
    json_t *seen = json_object();
    json_array_foreach(json_object_get(v, "reasons"), i, reason) {
        const char *code = json_string_value(json_object_get(reason, "code"));
        if (code && seen && !json_object_get(seen, code)) {
            json_object_set_new(seen, code, json_true());
            tally_reason(r, code);
        }
    }
    json_decref(seen);
    const char *names[] = {"pass", "sandbox", "block"};
    unsigned vi = verdict <= SK_VERDICT_BLOCK ? (unsigned)verdict : SK_VERDICT_SANDBOX;
    json_t *line = json_pack("{s:s,s:s,s:I,s:o}", "id", id ? id : "", "verdict", names[vi],
                             "bytes", (json_int_t)bytes, "v", v ? v : json_null());
    if (line) {
        json_dumpf(line, r->store, JSON_COMPACT);
        fputc('\n', r->store);
    }
    json_decref(line);
    r->inputs++;
    r->count[vi]++;
    r->bytes += bytes;
}

/* ---- writing ---- */

/* 'sha256-...' of a constant for the policy. */
static void csp_hash(const char *text, char *out, size_t len)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    unsigned char b64[96];
    if (!EVP_Digest(text, strlen(text), digest, &dlen, EVP_sha256(), NULL)) {
        snprintf(out, len, "'none'");
        return;
    }
    EVP_EncodeBlock(b64, digest, (int)dlen);
    snprintf(out, len, "'sha256-%s'", (const char *)b64);
}

static void write_head(FILE *f)
{
    char style_hash[128], script_hash[128];
    csp_hash(STYLE, style_hash, sizeof style_hash);
    csp_hash(SCRIPT, script_hash, sizeof script_hash);
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src %s; script-src %s; base-uri 'none'; form-action 'none'\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            "<title>Sekisho scan report</title>\n<style>%s</style>\n</head><body>\n",
            style_hash, script_hash, STYLE);
}

static int by_count(const void *a, const void *b)
{
    const struct tally *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->code, y->code);
}

static void write_summary(FILE *f, struct sk_html_report *r, double seconds)
{
    char human[32], when[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tm));
    sk_human_size(r->bytes, human, sizeof human);
    fprintf(f,
            "<h1>Sekisho scan report</h1>\n<section id=\"summary\"><table class=\"sum\">"
            "<tr><th>inputs</th><td id=\"n-inputs\">%zu</td></tr>"
            "<tr><th class=\"pass\">pass</th><td id=\"n-pass\">%zu</td></tr>"
            "<tr><th class=\"sandbox\">sandbox</th><td id=\"n-sandbox\">%zu</td></tr>"
            "<tr><th class=\"block\">block</th><td id=\"n-block\">%zu</td></tr>"
            "<tr><th>bytes</th><td>%llu (%s)</td></tr>"
            "<tr><th>time</th><td>%.3f s</td></tr>"
            "<tr><th>written</th><td>%s</td></tr></table>\n",
            r->inputs, r->count[0], r->count[1], r->count[2], r->bytes, human, seconds, when);
    qsort(r->tally, r->n_tally, sizeof *r->tally, by_count);
    fputs("<h2>Reasons most seen</h2><table id=\"top-reasons\" class=\"sum\">", f);
    for (size_t i = 0; i < r->n_tally && i < TOP_REASONS; i++) {
        fputs("<tr><td><code>", f);
        put_cstr(f, r->tally[i].code);
        fprintf(f, "</code></td><td>%zu inputs</td></tr>", r->tally[i].count);
    }
    if (r->n_tally == 0)
        fputs("<tr><td>none</td></tr>", f);
    if (r->other_reasons)
        fprintf(f, "<tr><td>other codes</td><td>%zu</td></tr>", r->other_reasons);
    fputs("</table></section>\n", f);
}

static void write_filters(FILE *f)
{
    fputs("<section id=\"filters\"><label>verdict <select id=\"fverdict\">"
          "<option value=\"\">all</option><option>pass</option><option>sandbox</option>"
          "<option>block</option></select></label>"
          "<label>reason <input id=\"freason\" type=\"search\" "
          "placeholder=\"code contains\"></label>"
          "<span><span id=\"shown\"></span> shown</span></section>\n"
          "<table id=\"inputs\"><thead><tr><th data-key=\"n\">#</th>"
          "<th data-key=\"rank\">verdict</th><th data-key=\"id\">input</th>"
          "<th data-key=\"reasons\">reasons</th><th data-key=\"bytes\">size</th>"
          "</tr></thead><tbody>\n",
          f);
}

static void put_size(FILE *f, const json_t *size)
{
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return;
    char human[32];
    sk_human_size((unsigned long long)json_integer_value(size), human, sizeof human);
    fprintf(f, " <span class=\"meta\">%s</span>", human);
}

/* The reasons whose path is `path`, under their node. */
static void put_node_reasons(FILE *f, const json_t *v, const char *path)
{
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(v, "reasons"), i, r) {
        const char *rp = json_string_value(json_object_get(r, "path"));
        if (!rp || strcmp(rp, path) != 0)
            continue;
        const char *rv = verdict_name(json_string_value(json_object_get(r, "verdict")));
        fprintf(f, "<div class=\"finding reason\"><span class=\"%s\">", rv);
        put_json(f, json_object_get(r, "code"));
        fprintf(f, "</span> (%s)", rv);
        if (json_object_get(r, "detail")) {
            fputs(": ", f);
            put_json(f, json_object_get(r, "detail"));
        }
        fputs("</div>", f);
    }
}

static void put_node(FILE *f, const json_t *v, const json_t *node, const char *path)
{
    fputs("<span class=\"name\">", f);
    put_json(f, json_object_get(node, "name"));
    fputs("</span> <span class=\"meta type\">", f);
    put_json(f, json_object_get(node, "type"));
    fputs("</span>", f);
    put_size(f, json_object_get(node, "size"));
    if (json_is_true(json_object_get(node, "encrypted")))
        fputs(" <span class=\"meta\">encrypted</span>", f);
    const json_t *pw = json_object_get(node, "password");
    if (json_is_object(pw)) {
        fputs(" <span class=\"pw\">password: ", f);
        put_json(f, json_object_get(pw, "value"));
        fputs("</span>", f);
        if (json_is_true(json_object_get(pw, "verified")))
            fputs(" <span class=\"meta\">verified, not opened</span>", f);
    }
    put_node_reasons(f, v, path);
}

struct tree_frame {
    const json_t *node;
    char *path;
    size_t next;
};

/* The tree as nested lists, nodes with children as open <details>; the walk
 * keeps its own stack. */
static void put_tree(FILE *f, const json_t *v)
{
    const json_t *root = json_object_get(v, "tree");
    if (!json_is_object(root))
        return;
    struct tree_frame stack[TREE_MAX_DEPTH + 1];
    size_t depth = 0;
    const char *root_name = json_string_value(json_object_get(root, "name"));
    const char *root_type = json_string_value(json_object_get(root, "type"));
    bool root_message = sk_tree_root_is_message(root_type);
    stack[0] = (struct tree_frame){root, strdup(root_name ? root_name : ""), 0};
    if (!stack[0].path)
        return;
    fputs("<ul class=\"tree\"><li>", f);
    bool kids = json_array_size(json_object_get(root, "children")) > 0;
    fputs(kids ? "<details open><summary>" : "", f);
    put_node(f, v, root, stack[0].path);
    fputs(kids ? "</summary><ul class=\"tree\">" : "", f);
    for (;;) {
        struct tree_frame *top = &stack[depth];
        const json_t *children = json_object_get(top->node, "children");
        if (top->next >= json_array_size(children) || depth == TREE_MAX_DEPTH) {
            fputs(json_array_size(children) ? "</ul></details></li>" : "</li>", f);
            free(top->path);
            if (depth == 0)
                break;
            depth--;
            continue;
        }
        const json_t *child = json_array_get(children, top->next++);
        char *path = sk_tree_child_path(top->path, depth == 0 && root_message,
                                        json_string_value(json_object_get(child, "name")));
        if (!path)
            continue;
        kids = json_array_size(json_object_get(child, "children")) > 0;
        fputs(kids ? "<li><details open><summary>" : "<li>", f);
        put_node(f, v, child, path);
        if (kids)
            fputs("</summary><ul class=\"tree\">", f);
        stack[++depth] = (struct tree_frame){child, path, 0};
    }
    fputs("</ul>", f);
}

/* Rule matches with their metadata. */
static void put_matches(FILE *f, const json_t *v)
{
    const json_t *matches = json_object_get(v, "matches");
    if (!json_array_size(matches))
        return;
    fputs("<h4>Rule matches</h4><table class=\"matches\"><tr><th>rule</th><th>namespace</th>"
          "<th>path</th><th>tags</th><th>meta</th></tr>",
          f);
    size_t i;
    const json_t *m;
    json_array_foreach(matches, i, m) {
        fputs("<tr><td><code>", f);
        put_json(f, json_object_get(m, "rule"));
        fputs("</code></td><td>", f);
        put_json(f, json_object_get(m, "namespace"));
        fputs("</td><td class=\"name\">", f);
        put_json(f, json_object_get(m, "path"));
        fputs("</td><td>", f);
        size_t j;
        const json_t *t;
        json_array_foreach(json_object_get(m, "tags"), j, t) {
            fputs(j ? ", " : "", f);
            put_json(f, t);
        }
        fputs("</td><td>", f);
        const char *key;
        const json_t *val;
        json_object_foreach((json_t *)json_object_get(m, "meta"), key, val) {
            fputs("<div>", f);
            put_cstr(f, key);
            fputs(" = ", f);
            put_json(f, val);
            fputs("</div>", f);
        }
        fputs("</td></tr>", f);
    }
    fputs("</table>", f);
}

/* Every password that opened a node, found by walking the tree again. */
static void put_passwords(FILE *f, const json_t *v)
{
    const json_t *stack[TREE_MAX_DEPTH + 1];
    size_t next[TREE_MAX_DEPTH + 1];
    size_t depth = 0, shown = 0;
    stack[0] = json_object_get(v, "tree");
    next[0] = 0;
    if (!json_is_object(stack[0]))
        return;
    for (const json_t *node = stack[0];;) {
        const json_t *pw = json_object_get(node, "password");
        if (json_is_object(pw)) {
            fputs(shown++ ? "" : "<h4>Passwords used</h4><ul class=\"passwords\">", f);
            fputs("<li><span class=\"pw\">", f);
            put_json(f, json_object_get(pw, "value"));
            bool verified = json_is_true(json_object_get(pw, "verified"));
            fputs(verified ? "</span> is right for (not opened here) <span class=\"name\">"
                           : "</span> opened <span class=\"name\">",
                  f);
            put_json(f, json_object_get(node, "name"));
            fputs("</span> <span class=\"meta\">source: ", f);
            put_json(f, json_object_get(pw, "source"));
            fputs(", rank ", f);
            put_json(f, json_object_get(pw, "rank"));
            fputs("</span></li>", f);
        }
        node = NULL;
        while (!node) {
            const json_t *kids = json_object_get(stack[depth], "children");
            if (next[depth] < json_array_size(kids) && depth < TREE_MAX_DEPTH) {
                node = json_array_get(kids, next[depth]++);
                stack[++depth] = node;
                next[depth] = 0;
            } else if (depth == 0) {
                fputs(shown ? "</ul>" : "", f);
                return;
            } else {
                depth--;
            }
        }
    }
}

static void put_errors(FILE *f, const json_t *v)
{
    const json_t *errors = json_object_get(v, "errors");
    const json_t *error = json_object_get(v, "error"); /* an input that could not be scanned */
    if (!json_array_size(errors) && !json_is_object(error))
        return;
    fputs("<h4>Errors</h4><ul class=\"errors\">", f);
    if (json_is_object(error)) {
        fputs("<li><code>", f);
        put_json(f, json_object_get(error, "code"));
        fputs("</code>: ", f);
        put_json(f, json_object_get(error, "message"));
        fputs("</li>", f);
    }
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e) {
        fputs("<li><code>", f);
        put_json(f, json_object_get(e, "code"));
        fputs("</code> at <span class=\"name\">", f);
        put_json(f, json_object_get(e, "path"));
        fputs("</span>: ", f);
        put_json(f, json_object_get(e, "detail"));
        fputs("</li>", f);
    }
    fputs("</ul>", f);
}

/* The distinct reason codes of an input, comma-separated, escaped. */
static void put_reason_codes(FILE *f, const json_t *v)
{
    json_t *seen = json_object();
    size_t i, n = 0;
    const json_t *r;
    json_array_foreach(json_object_get(v, "reasons"), i, r) {
        const char *code = json_string_value(json_object_get(r, "code"));
        if (!code || !seen || json_object_get(seen, code))
            continue;
        json_object_set_new(seen, code, json_true());
        fputs(n++ ? ", " : "", f);
        put_cstr(f, code);
    }
    json_decref(seen);
}

static void write_row(FILE *f, size_t n, const json_t *line)
{
    const json_t *v = json_object_get(line, "v");
    const char *verdict = verdict_name(json_string_value(json_object_get(line, "verdict")));
    json_int_t bytes = json_integer_value(json_object_get(line, "bytes"));
    fprintf(f, "<tr id=\"input-%zu\" data-n=\"%zu\" data-verdict=\"%s\" data-rank=\"%d\" data-id=\"",
            n, n, verdict, verdict_rank(verdict));
    put_json(f, json_object_get(line, "id"));
    fputs("\" data-reasons=\"", f);
    put_reason_codes(f, v);
    fprintf(f, "\" data-bytes=\"%lld\"><td>%zu</td><td class=\"v %s\">%s</td><td>", (long long)bytes,
            n, verdict, verdict);
    fputs("<details class=\"input\"><summary class=\"name\">", f);
    put_json(f, json_object_get(line, "id"));
    fputs("</summary>", f);
    if (json_is_object(v)) {
        fputs("<div class=\"tree-box\">", f);
        put_tree(f, v);
        fputs("</div>", f);
        put_matches(f, v);
        put_passwords(f, v);
        put_errors(f, v);
    } else {
        fputs("<p>no verdict object (see the scan's output)</p>", f);
    }
    fputs("</details></td><td class=\"reasons\">", f);
    put_reason_codes(f, v);
    char human[32];
    sk_human_size((unsigned long long)(bytes > 0 ? bytes : 0), human, sizeof human);
    fprintf(f, "</td><td>%s</td></tr>\n", human);
}

static void free_report(struct sk_html_report *r)
{
    for (size_t i = 0; i < r->n_tally; i++)
        free(r->tally[i].code);
    free(r->tally);
    if (r->store)
        fclose(r->store);
    free(r->path);
    free(r);
}

int sk_html_report_finish(struct sk_html_report *r, double seconds)
{
    FILE *f = fopen(r->path, "w");
    if (!f) {
        int err = errno;
        free_report(r);
        errno = err;
        return -1;
    }
    write_head(f);
    write_summary(f, r, seconds);
    write_filters(f);
    rewind(r->store);
    char *buf = NULL;
    size_t cap = 0;
    size_t n = 0;
    while (getline(&buf, &cap, r->store) > 0) {
        json_t *line = json_loads(buf, 0, NULL);
        if (line)
            write_row(f, ++n, line);
        json_decref(line);
    }
    free(buf);
    fprintf(f, "</tbody></table>\n<script>%s</script>\n</body></html>\n", SCRIPT);
    int bad = ferror(f) | ferror(r->store);
    bad |= fclose(f) != 0;
    free_report(r);
    if (bad) {
        errno = EIO;
        return -1;
    }
    return 0;
}
