/* The tree view of a verdict (tree.h). The walk keeps its own stack: the
 * depth is bounded by the engine's --max-depth, and by TREE_MAX_DEPTH here
 * whatever the JSON says. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetext.h"
#include "tree.h"

#define TREE_MAX_DEPTH 64

/* SGR colours: only ever written when the caller asked for colour. */
#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

struct out {
    FILE *f;
    bool colour;
};

static void paint(const struct out *o, const char *sgr)
{
    if (o->colour)
        fputs(sgr, o->f);
}

static const char *verdict_colour(const char *verdict)
{
    if (verdict && strcmp(verdict, "block") == 0)
        return C_RED;
    if (verdict && strcmp(verdict, "sandbox") == 0)
        return C_YELLOW;
    return C_GREEN;
}

/* Prints a JSON string through sk_safe_text ("" when it is not one). */
static void put_safe(const struct out *o, const json_t *s)
{
    const char *v = json_string_value(s);
    char *safe = v ? sk_safe_text(v, json_string_length(s)) : NULL;
    fputs(safe ? safe : "", o->f);
    free(safe);
}

void sk_human_size(unsigned long long n, char *buf, unsigned long len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof *units) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", n);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

/* One stack frame of the walk. */
struct frame {
    json_t *node;
    char *path; /* names from the root's child down, joined with '/' */
    size_t next_child;
};

static void node_line(const struct out *o, const json_t *node)
{
    put_safe(o, json_object_get(node, "name"));
    const json_t *type = json_object_get(node, "type");
    if (json_is_string(type)) {
        fputs("  ", o->f);
        paint(o, C_DIM);
        put_safe(o, type);
        paint(o, C_RESET);
    }
    const json_t *size = json_object_get(node, "size");
    if (json_is_integer(size) && json_integer_value(size) >= 0) {
        char human[32];
        sk_human_size((unsigned long long)json_integer_value(size), human, sizeof human);
        fprintf(o->f, "  %s", human);
    }
    if (json_is_true(json_object_get(node, "encrypted")))
        fputs("  encrypted", o->f);
    const json_t *pw = json_object_get(node, "password");
    if (json_is_object(pw)) {
        fputs("  ", o->f);
        paint(o, C_CYAN);
        fputs("password: ", o->f);
        put_safe(o, json_object_get(pw, "value"));
        paint(o, C_RESET);
        if (json_is_string(json_object_get(pw, "source"))) {
            fputs(" (", o->f);
            put_safe(o, json_object_get(pw, "source"));
            fputs(")", o->f);
        }
        /* proven right but not opened here: the sandbox can open it */
        if (json_is_true(json_object_get(pw, "verified")))
            fputs(" verified, not opened", o->f);
    }
    fputc('\n', o->f);
}

/* The reasons, matches and errors whose path is `path`, each on its own line
 * under the node; `shown` marks the reasons printed (the rest go under the
 * root at the end). */
static void node_findings(const struct out *o, const json_t *verdict, const char *path,
                          const char *indent, char *shown)
{
    const json_t *reasons = json_object_get(verdict, "reasons");
    size_t i;
    const json_t *r;
    json_array_foreach(reasons, i, r) {
        const char *rp = json_string_value(json_object_get(r, "path"));
        if (!rp || strcmp(rp, path) != 0)
            continue;
        shown[i] = 1;
        const char *v = json_string_value(json_object_get(r, "verdict"));
        fprintf(o->f, "%s! ", indent);
        paint(o, verdict_colour(v));
        put_safe(o, json_object_get(r, "code"));
        paint(o, C_RESET);
        fprintf(o->f, " (%s)", v && strlen(v) < 16 ? v : "?");
        if (json_is_string(json_object_get(r, "detail"))) {
            fputs(": ", o->f);
            put_safe(o, json_object_get(r, "detail"));
        }
        fputc('\n', o->f);
    }
    json_array_foreach(json_object_get(verdict, "matches"), i, r) {
        const char *rp = json_string_value(json_object_get(r, "path"));
        if (!rp || strcmp(rp, path) != 0)
            continue;
        fprintf(o->f, "%s~ rule ", indent);
        put_safe(o, json_object_get(r, "rule"));
        fputc('\n', o->f);
    }
    json_array_foreach(json_object_get(verdict, "errors"), i, r) {
        const char *rp = json_string_value(json_object_get(r, "path"));
        if (!rp || strcmp(rp, path) != 0)
            continue;
        fprintf(o->f, "%sx error ", indent);
        put_safe(o, json_object_get(r, "code"));
        if (json_is_string(json_object_get(r, "detail"))) {
            fputs(": ", o->f);
            put_safe(o, json_object_get(r, "detail"));
        }
        fputc('\n', o->f);
    }
}

char *sk_tree_child_path(const char *parent_path, bool root_message, const char *name)
{
    char *path = NULL;
    bool joined = parent_path[0] && !root_message;
    if (asprintf(&path, "%s%s%s", joined ? parent_path : "", joined ? "/" : "",
                 name ? name : "") < 0)
        return NULL;
    return path;
}

bool sk_tree_root_is_message(const char *type)
{
    return type && (strcmp(type, "eml") == 0 || strcmp(type, "msg") == 0);
}

static bool is_message(const json_t *node)
{
    return sk_tree_root_is_message(json_string_value(json_object_get(node, "type")));
}

static char *child_path(const struct frame *stack, size_t depth, const json_t *child)
{
    return sk_tree_child_path(stack[depth].path, depth == 0 && is_message(stack[0].node),
                              json_string_value(json_object_get(child, "name")));
}

/* The prefix of a line at `depth` below the root: for each ancestor level,
 * "│   " while that ancestor has siblings still to come, else four spaces. */
static void put_prefix(FILE *f, const struct frame *stack, size_t depth)
{
    for (size_t d = 1; d < depth; d++) {
        const json_t *kids = json_object_get(stack[d - 1].node, "children");
        fputs(stack[d - 1].next_child < json_array_size(kids) ? "│   " : "    ", f);
    }
}

static void walk(const struct out *o, json_t *verdict, char *shown)
{
    struct frame stack[TREE_MAX_DEPTH + 1];
    size_t depth = 0;
    json_t *root = json_object_get(verdict, "tree");
    if (!json_is_object(root))
        return;
    const char *root_name = json_string_value(json_object_get(root, "name"));
    char *root_path = strdup(root_name ? root_name : "");
    if (!root_path)
        return;
    stack[0] = (struct frame){root, root_path, 0};
    node_line(o, root);
    node_findings(o, verdict, root_path,
                  json_array_size(json_object_get(root, "children")) ? "│   " : "    ", shown);
    for (;;) {
        struct frame *top = &stack[depth];
        json_t *kids = json_object_get(top->node, "children");
        if (top->next_child >= json_array_size(kids) || depth == TREE_MAX_DEPTH) {
            free(top->path);
            if (depth == 0)
                return;
            depth--;
            continue;
        }
        json_t *child = json_array_get(kids, top->next_child++);
        char *path = child_path(stack, depth, child);
        if (!path)
            continue;
        bool last = top->next_child >= json_array_size(kids);
        put_prefix(o->f, stack, depth + 1);
        fputs(last ? "└── " : "├── ", o->f);
        node_line(o, child);
        stack[++depth] = (struct frame){child, path, 0};
        /* Findings sit under the node, indented like its children would be. */
        char indent[TREE_MAX_DEPTH * 8 + 16];
        FILE *mem = fmemopen(indent, sizeof indent, "w");
        if (mem) {
            put_prefix(mem, stack, depth + 1);
            fputs(json_array_size(json_object_get(child, "children")) ? "│   " : "    ", mem);
            fclose(mem);
            indent[sizeof indent - 1] = '\0';
            node_findings(o, verdict, path, indent, shown);
        }
    }
}

/* Reasons whose path names no node (a member that could not be opened is
 * still a node; this is for anything else): listed last, path shown. */
static void orphan_findings(const struct out *o, const json_t *verdict, const char *shown)
{
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(verdict, "reasons"), i, r) {
        if (shown[i])
            continue;
        fputs("  ! ", o->f);
        paint(o, verdict_colour(json_string_value(json_object_get(r, "verdict"))));
        put_safe(o, json_object_get(r, "code"));
        paint(o, C_RESET);
        fputs(" at ", o->f);
        put_safe(o, json_object_get(r, "path"));
        fputc('\n', o->f);
    }
}

static void headline(const struct out *o, const json_t *verdict)
{
    const char *v = json_string_value(json_object_get(verdict, "verdict"));
    paint(o, C_BOLD);
    paint(o, verdict_colour(v));
    fputs(v && strlen(v) < 16 ? v : "sandbox", o->f);
    paint(o, C_RESET);
    fputs("  ", o->f);
    put_safe(o, json_object_get(verdict, "id"));
    const json_t *err = json_object_get(verdict, "error");
    if (json_is_object(err)) {
        fputs("  error ", o->f);
        put_safe(o, json_object_get(err, "code"));
        fputs(": ", o->f);
        put_safe(o, json_object_get(err, "message"));
    }
    fputc('\n', o->f);
}

char *sk_tree_render(const char *json, bool colour)
{
    json_t *verdict = json_loads(json, 0, NULL);
    if (!json_is_object(verdict)) {
        json_decref(verdict);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    struct out o = {open_memstream(&text, &len), colour};
    char *shown = calloc(json_array_size(json_object_get(verdict, "reasons")) + 1, 1);
    if (o.f && shown) {
        headline(&o, verdict);
        walk(&o, verdict, shown);
        orphan_findings(&o, verdict, shown);
    }
    if (o.f)
        fclose(o.f);
    free(shown);
    json_decref(verdict);
    if (text && len > 0 && text[len - 1] == '\n')
        text[len - 1] = '\0';
    return text;
}
