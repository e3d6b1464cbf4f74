/* The YARA stage. This pair of files is the only place that includes
 * <yara.h>: the rest of the engine sees compiled rules and scanners as
 * opaque handles. Rules are compiled once per engine; each worker thread owns
 * one scanner over the shared, read-only rules. */
#ifndef SK_YARA_SCAN_H
#define SK_YARA_SCAN_H

#include <stddef.h>
#include <stdint.h>

struct sk_job;
struct sk_node;
struct sk_rules;
struct sk_yara_scanner;

/* Compiles every .yar/.yara file named in paths (files, or directories read
 * in sorted order, not recursively), each in a namespace named after its
 * file. The external variables of DESIGN.md are declared first. On failure
 * writes every compiler message that fits into err. */
int sk_rules_compile(const char *const *paths, size_t n_paths, struct sk_rules **out, char *err,
                     size_t errlen);
/* Serialises compiled rules (libyara's own format, tied to its version):
 * *out is malloc'd, the caller frees it. 0, SK_ENOMEM or SK_EINTERNAL. */
int sk_rules_save(const struct sk_rules *rules, uint8_t **out, size_t *out_len);
/* Rules from what sk_rules_save wrote, by the same libyara: much faster
 * than compiling. The bytes must come from a trusted writer (libyara checks
 * the format's header and version, not its every offset). */
int sk_rules_load(const uint8_t *p, size_t len, struct sk_rules **out, char *err,
                  size_t errlen);
void sk_rules_free(struct sk_rules *rules);
unsigned sk_rules_count(const struct sk_rules *rules);

int sk_yara_scanner_new(const struct sk_rules *rules, struct sk_yara_scanner **out);
void sk_yara_scanner_free(struct sk_yara_scanner *scanner);

/* Scans a node's bytes with its external variables set; adds each match to
 * the job, and a `yara.match` reason for each match whose rule's verdict is
 * not "info". A scan error or timeout is recorded on the job (fail closed). */
void sk_yara_scan_node(struct sk_yara_scanner *scanner, struct sk_job *job,
                       const struct sk_node *node, const uint8_t *p, size_t n);

#endif
