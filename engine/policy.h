/* The verdict policy: every reason code, its default verdict, and the
 * operator's overrides (a policy file). The verdict of a scan is the most
 * severe of its reasons: block > sandbox > pass. */
#ifndef SK_POLICY_H
#define SK_POLICY_H

#include <stddef.h>

enum sk_verdict {
    SK_VERDICT_PASS = 0,
    SK_VERDICT_SANDBOX = 1,
    SK_VERDICT_BLOCK = 2,
};

const char *sk_verdict_name(enum sk_verdict verdict);
/* 0, or SK_EINVAL for a word that is not pass/sandbox/block. */
int sk_verdict_parse(const char *word, enum sk_verdict *out);

/* A reason code the engine may emit, with its documentation. */
struct sk_reason_info {
    const char *code;
    enum sk_verdict verdict;
    int fail_closed; /* a policy may not lower it to pass */
    const char *meaning;
};

/* All reason codes, for README.md and `sekisho reasons`. */
const struct sk_reason_info *sk_reason_table(size_t *count);

struct sk_policy;

/* Loads overrides from a file of `code = verdict` lines (`#` comments; a code
 * may end in `.*` to cover a family). NULL path: defaults only. Unknown codes
 * and fail-closed codes set to pass are refused with a message in err. */
int sk_policy_load(const char *path, struct sk_policy **out, char *err, size_t errlen);
/* The same from the bytes of such a file (len 0: defaults only); text need
 * not be NUL-terminated and is not kept. */
int sk_policy_load_mem(const void *text, size_t len, struct sk_policy **out, char *err,
                       size_t errlen);
void sk_policy_free(struct sk_policy *policy);

/* The verdict for a reason code (unknown codes: sandbox). */
enum sk_verdict sk_policy_verdict(const struct sk_policy *policy, const char *code);

#endif
