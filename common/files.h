/* Small file helpers of the front ends (a leaf: libc only). */
#ifndef SK_COMMON_FILES_H
#define SK_COMMON_FILES_H

#include <stddef.h>

/* Writes all n bytes (retrying short writes and EINTR): 0 or -1. */
int sk_write_all(int fd, const void *p, size_t n);

/* Reads a whole (small) file into a NUL-terminated malloc'd buffer; -1 with
 * errno set on failure or when it is larger than max bytes. */
int sk_read_file(const char *path, size_t max, char **out, size_t *len);

/* Reads one password a line (no trailing CR/LF) from a file into the list
 * (each string malloc'd; the list grows as sk_list_push does). */
int sk_read_passwords_file(const char *path, const char ***list, size_t *n);

#endif
