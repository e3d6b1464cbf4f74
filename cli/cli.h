/* The command-line front end: thin, it parses options, reads inputs and
 * prints what the engine decided. It never parses attachment bytes. */
#ifndef SK_CLI_H
#define SK_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/files.h"
#include "../common/options.h"

int sk_cmd_scan(int argc, char **argv);
int sk_cmd_submit(int argc, char **argv); /* cli/submit.c */
/* `sekisho serve` is daemon/serve.h's sk_cmd_serve. */

#endif
