/* The entry point of `sekisho serve` (supervisor.c: the parent), called by
 * cli/main.c. */
#ifndef SK_DAEMON_SERVE_H
#define SK_DAEMON_SERVE_H

int sk_cmd_serve(int argc, char **argv);

#endif
