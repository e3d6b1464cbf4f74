/* Password harvesting: candidates for encrypted attachments, read from the
 * text of the mail (DESIGN.md, "Password harvesting").
 *
 * Emotet-style mail carries an encrypted ZIP and writes the password in the
 * body (`パスワード：Ab12`, `PW: 1234`, `The password is x9Q`). The harvester
 * is a pure function over one UTF-8 text (a subject or a body, already decoded
 * from its charset, HTML already reduced to text): it calls back once per
 * candidate, best first, and keeps nothing. Bounds are in passwords.c. */
#ifndef SK_PASSWORDS_H
#define SK_PASSWORDS_H

#include <stddef.h>

#include "error.h" /* the SK_E* codes returned below */

/* Tiers: lower is tried first. */
enum sk_pw_tier {
    SK_PW_TIER_KEYWORD = 1, /* next to a password keyword, or an operator rule */
    SK_PW_TIER_QUOTED = 2,  /* inside quotes or brackets anywhere */
    SK_PW_TIER_TOKEN = 3,   /* any other token of 4..32 bytes */
    SK_PW_TIER_BUILTIN = 4, /* sk_builtin_passwords, emitted by the caller */
};

/* Called once per candidate, best first within one text. value is NOT
 * NUL-terminated and only valid during the call. source is a static string:
 * "subject" or "body" for keyword-adjacent candidates (the `where` argument),
 * "rule" for operator rules, "quoted", "token", "builtin". Returns 0 to go
 * on, non-zero to stop (that value is returned by the harvester). */
typedef int (*sk_password_emit)(void *ctx, const char *value, size_t len, const char *source,
                                enum sk_pw_tier tier);

/* Operator rules (PCRE2), compiled once and then shared read-only. */
struct sk_password_rules;

/* Loads a rules file: one rule a line, BEFORE<TAB>PASSWORD<TAB>AFTER (three
 * PCRE2 patterns; BEFORE and AFTER may be empty, the trailing tab may be left
 * out; `#` at the start of a line is a comment; blank lines are ignored).
 * Each rule becomes `(?:BEFORE)(PASSWORD)(?:AFTER)` compiled with UTF, UCP,
 * MULTILINE and MATCH_INVALID_UTF; every match yields the PASSWORD group.
 * A NULL path gives an empty set. Returns 0 and *out (free with
 * sk_password_rules_free), SK_EIO (cannot open or read), SK_EINVAL (a bad
 * line or pattern: err says which line and field) or SK_ENOMEM. */
int sk_password_rules_load(const char *path, struct sk_password_rules **out, char *err,
                           size_t errlen);

/* The same from the bytes of such a file (len 0: an empty set); text need
 * not be NUL-terminated and is not kept. */
int sk_password_rules_load_mem(const void *text, size_t len, struct sk_password_rules **out,
                               char *err, size_t errlen);

/* Frees a rule set; NULL is allowed. */
void sk_password_rules_free(struct sk_password_rules *rules);

/* Harvests candidates from UTF-8 text (already decoded from its charset; HTML
 * already reduced to text). `where` is "subject" or "body" and becomes the
 * source of keyword-adjacent candidates. Emits, in this order: keyword-
 * adjacent tokens (tier KEYWORD), operator rule matches (KEYWORD, "rule";
 * rules may be NULL), quoted strings (QUOTED), other tokens (TOKEN); each in
 * its NFKC form and then, when different, in its raw form; never the same
 * value twice in one call; at most max_candidates emits. Invalid UTF-8 is
 * tolerated (such bytes never become part of a candidate). Never reads
 * outside text[0..len). Returns 0, SK_ENOMEM, or the emit's stop value. */
int sk_harvest_passwords(const char *text, size_t len, const char *where,
                         const struct sk_password_rules *rules, size_t max_candidates,
                         sk_password_emit emit, void *ctx);

/* Passwords that malware mail commonly uses, NULL-terminated; the caller
 * emits them last, with tier SK_PW_TIER_BUILTIN and source "builtin". */
extern const char *const sk_builtin_passwords[];

#endif
