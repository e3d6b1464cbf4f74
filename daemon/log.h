/* The daemon's one log line per request (stderr; any thread). */
#ifndef SK_DAEMON_LOG_H
#define SK_DAEMON_LOG_H

#include <stdint.h>

#include "dreq.h"

/* Writes one log line on stderr: `id=` the native id or, for clamd and
 * native requests without one, conn (`<connection>.<request>`); conn is
 * repeated as `conn=` for native ids; sha and path only when not NULL. Any
 * thread (one fprintf). */
void sk_server_log(const char *id, const char *conn, const char *verdict, const char *codes,
                   uint64_t bytes, uint64_t start_ns, const char *sha, const char *path);
/* The same for a request (its id, connection, start, hash and path). */
void sk_dreq_log(const struct sk_dreq *req, const char *verdict, const char *codes,
                 uint64_t bytes, const char *sha, const char *path);

#endif
