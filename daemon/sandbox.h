/* The daemon's sandbox (issue 7): after start-up, drop root for an
 * unprivileged user and confine the process to the system calls serving
 * needs, with a seccomp filter (libseccomp). Every step runs once, on the
 * loop thread, before the first request is accepted. */
#ifndef SK_SANDBOX_H
#define SK_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#define SK_SANDBOX_DEFAULT_USER "nobody"

/* Who the daemon becomes when started as root. */
struct sk_sandbox_user {
    uid_t uid;
    gid_t gid; /* the user's primary group; no supplementary groups are kept */
};

/* Looks name up in the user database (NSS, so only before the filter).
 * 0, or -1 with a message in err. */
int sk_sandbox_lookup_user(const char *name, struct sk_sandbox_user *out, char *err,
                           size_t errlen);

/* Becomes user for good: supplementary groups cleared, then setgid, then
 * setuid (real, effective and saved IDs), and checks that root cannot be
 * regained. 0, or -1 with a message in err (the caller must not serve). */
int sk_sandbox_drop(const struct sk_sandbox_user *user, char *err, size_t errlen);

/* The same for the rules keeper (keeper.h), keeping one capability:
 * CAP_DAC_READ_SEARCH, to read any file and list any folder (the operator's
 * rules wherever they are), and nothing else (no writing, no owning, no
 * becoming root again; the bounding set is emptied of the rest too). 0, or
 * -1 with a message in err. */
int sk_sandbox_drop_keep_read(const struct sk_sandbox_user *user, char *err, size_t errlen);

/* Installs the seccomp filter on every thread of the process (TSYNC); from
 * then on a system call outside the allowlist fails with EPERM. Sets
 * no_new_privs. 0, or -1 with a message in err. */
int sk_sandbox_install(char *err, size_t errlen);

/* How many system calls the filter allows (some only with restricted
 * arguments), on this architecture. */
size_t sk_sandbox_allowed_count(void);

#endif
