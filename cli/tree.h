/* `sekisho scan --format tree`: a verdict object (the JSON of DESIGN.md,
 * consumed as JSON, not through the engine's internals) drawn as an
 * indented tree. */
#ifndef SK_TREE_H
#define SK_TREE_H

#include <stdbool.h>

/* The verdict line `json` as a headline (verdict, id) and one line per node
 * (name, type, size, the password that opened it) with the reasons, rule
 * matches and errors under the node they concern. Names are shown through
 * sk_safe_text; colour only when asked. A malloc'd string without a final
 * newline, or NULL when json does not parse or out of memory. */
char *sk_tree_render(const char *json, bool colour);

/* The path (DESIGN.md's "path") of a node named `name` below a parent with
 * parent_path: the names of its ancestors joined with '/', the root's own
 * name first unless the root is a message (root_message: the parent is the
 * root and sk_tree_root_is_message says so). Reasons, matches and errors name their node
 * by it. malloc'd, NULL when out of memory. */
char *sk_tree_child_path(const char *parent_path, bool root_message, const char *name);

/* Is a root of this type a message, whose own name paths leave out (the
 * engine's message trait: "eml" and Outlook's "msg")? */
bool sk_tree_root_is_message(const char *type);

/* A size as people read it ("68 B", "1.2 KiB") into buf. */
void sk_human_size(unsigned long long n, char *buf, unsigned long len);

#endif
