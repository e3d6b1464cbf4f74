/* Error codes shared by the engine, the unpackers and the front ends.
 *
 * Functions return 0 or a negative SK_E* code. The codes keep apart bad
 * input (SK_ECORRUPT, SK_ETRUNC, SK_EUNSUPPORTED, SK_EENCRYPTED), a cap hit
 * (SK_ELIMIT) and our own failure (SK_ENOMEM, SK_EIO, SK_EINTERNAL): the
 * verdict policy gives each its own reason code, and every one fails closed. */
#ifndef SK_ERROR_H
#define SK_ERROR_H

enum {
    SK_OK = 0,
    SK_DONE = 1, /* an iterator has nothing more: not an error */
    SK_ENOMEM = -1,
    SK_EIO = -2,
    SK_ECORRUPT = -3,
    SK_ETRUNC = -4,
    SK_ELIMIT = -5,
    SK_EUNSUPPORTED = -6,
    SK_EENCRYPTED = -7,
    SK_EINVAL = -8,
    SK_EINTERNAL = -9,
};

/* A static English description of an SK_E* code; never NULL. */
const char *sk_strerror(int err);

/* True for codes that mean the input itself is bad (as opposed to us). */
int sk_error_is_input(int err);

#endif
