/* The daemon's sandbox (issue 7): the front and the scanner processes drop
 * root for an unprivileged user and confine themselves to the system calls
 * serving needs, with a seccomp filter (libseccomp), once, before their
 * first request. */
#ifndef SK_SANDBOX_H
#define SK_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SK_SANDBOX_DEFAULT_USER "nobody"

#define SK_SANDBOX_MAX_GROUPS 64 /* supplementary groups kept, at most */

/* Who the daemon becomes when started as root. */
struct sk_sandbox_user {
    uid_t uid;
    gid_t gid; /* the primary group: --group, else the user's own */
    /* The user's own groups from the group database (what initgroups would
     * set), the primary one left out: a `sekisho` user in group amavis or
     * Debian-exim reads their files for SCAN. */
    gid_t groups[SK_SANDBOX_MAX_GROUPS];
    size_t n_groups;
};

/* Looks name (and group, when not NULL) up in the user and group databases
 * (NSS, so only before the filter), with the user's supplementary groups.
 * 0, or -1 with a message in err. */
int sk_sandbox_lookup_user(const char *name, const char *group, struct sk_sandbox_user *out,
                           char *err, size_t errlen);

/* Looks a group up by name or number. 0, or -1 with a message in err. */
int sk_sandbox_lookup_group(const char *name, gid_t *out, char *err, size_t errlen);

/* Becomes user for good: supplementary groups set to user->groups, then
 * setgid, then setuid (real, effective and saved IDs), and checks that root
 * cannot be regained. 0, or -1 with a message in err (the caller must not
 * serve). */
int sk_sandbox_drop(const struct sk_sandbox_user *user, char *err, size_t errlen);

/* A child of serve's parent, right after the fork: becomes user for good
 * (sk_sandbox_drop; NULL: stays who it is), then arms the parent-death
 * signal (SIGKILL; the credential change clears it, so after) and checks
 * the parent is still parent. 0, or -1 with a message in err. */
int sk_sandbox_enter_child(const struct sk_sandbox_user *user, pid_t parent, char *err,
                           size_t errlen);

/* Installs the seccomp filter on every thread of the process (TSYNC); from
 * then on a system call outside the allowlist fails with EPERM. Sets
 * no_new_privs. stream_client also allows a Unix, IPv4 or IPv6 stream
 * socket and connect (the front, when its store is Redis). 0, or -1 with a
 * message in err. */
int sk_sandbox_install(bool stream_client, char *err, size_t errlen);

/* How many system calls the filter allows (some only with restricted
 * arguments), on this architecture. */
size_t sk_sandbox_allowed_count(bool stream_client);

#endif
