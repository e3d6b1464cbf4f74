/* Small text helpers for names that come from the input. */
#ifndef SK_TEXT_H
#define SK_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies at most max bytes of s[0..n) into out as valid UTF-8: invalid
 * sequences become U+FFFD, NUL bytes are dropped, and a multi-byte character
 * is never cut in half. out must hold 3 * n + 1 bytes or max + 1, whichever
 * is smaller. Returns the length written (out is NUL-terminated). */
size_t sk_utf8_sanitize(const char *s, size_t n, char *out, size_t max);

/* Decodes an archive member's name the way the tools that wrote it meant
 * it, as Japanese users' archivers do (issue 17): valid UTF-8 as UTF-8;
 * else, unless the format declared the name UTF-8 (declared_utf8: a flag
 * that says so, such as CAB's attribute 0x80), CP932 when every byte of it
 * decodes (Windows' Japanese code page: what Explorer, Lhaplus and Explzh
 * write without saying so); else the bytes with each invalid sequence as
 * U+FFFD (sk_utf8_sanitize). NUL bytes are dropped and a character is never
 * cut in half. out holds max + 1 bytes. Returns the length written. */
size_t sk_name_decode(const char *raw, size_t n, bool declared_utf8, char *out, size_t max);

/* The CP932 bytes of the UTF-8 text s[0..n), malloc'd and NUL-terminated
 * (the caller frees), *out_len their count: the password bytes Lhaplus and
 * other Japanese Windows tools key ZipCrypto with. NULL when s is ASCII only
 * (the same bytes), does not convert cleanly, or memory runs out. */
char *sk_text_to_cp932(const char *s, size_t n, size_t *out_len);

/* True for a member name that would escape a directory if it were used as a
 * path: absolute (/x, \x, C:x) or with a `..` component (either separator). */
bool sk_name_is_unsafe(const char *name);

/* One code point as UTF-8 into out (4 bytes at most); returns its length. */
size_t sk_utf8_encode(uint32_t c, unsigned char *out);

/* The code point at UTF-16LE unit *i of p[0..units): a surrogate pair is
 * joined (and *i moved to its second unit), an unpaired surrogate is
 * U+FFFD. */
uint32_t sk_utf16le_decode(const unsigned char *p, size_t units, size_t *i);

/* Converts at most `units` UTF-16LE code units at p to UTF-8, stopping at a
 * NUL unit; unpaired surrogates become U+FFFD. Writes at most max bytes
 * (never half a character) and a NUL, so out holds max + 1. Returns the
 * length written. */
size_t sk_utf16le_to_utf8(const unsigned char *p, size_t units, char *out, size_t max);

/* "dir/name" (or "name" when dir is empty), with name cut so that the path
 * stays under max bytes; NULL when out of memory. Allocated through alloc
 * (an unpacker passes sk_unpack_allocator, so the fail-closed audit reaches
 * it: a libc-backed allocator), or malloc when NULL; the caller frees it
 * with free. For unpackers that list a file system's directories. */
struct sk_alloc;
char *sk_path_join(const char *dir, const char *name, size_t max, const struct sk_alloc *alloc);

#endif
