/* Attacker-chosen names and strings made safe to show: on a terminal (no
 * escape sequence may move the cursor or recolour it) and in HTML (no bidi
 * control may reorder what is around it). */
#ifndef SK_SAFETEXT_H
#define SK_SAFETEXT_H

#include <stddef.h>

/* A malloc'd copy of s[0..n) where every C0/C1 control, DEL, byte that is
 * not UTF-8 and bidi control (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069)
 * is written as visible text (\x1b, \u202e) and a backslash as \\. NULL when
 * out of memory. */
char *sk_safe_text(const char *s, size_t n);

#endif
