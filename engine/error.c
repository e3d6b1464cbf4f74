#include "error.h"

const char *sk_strerror(int err)
{
    switch (err) {
    case SK_OK: return "success";
    case SK_DONE: return "done";
    case SK_ENOMEM: return "out of memory";
    case SK_EIO: return "input/output error";
    case SK_ECORRUPT: return "corrupt input";
    case SK_ETRUNC: return "truncated input";
    case SK_ELIMIT: return "limit reached";
    case SK_EUNSUPPORTED: return "unsupported format variant";
    case SK_EENCRYPTED: return "encrypted and not opened";
    case SK_EINVAL: return "invalid argument";
    case SK_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

int sk_error_is_input(int err)
{
    return err == SK_ECORRUPT || err == SK_ETRUNC || err == SK_EUNSUPPORTED ||
           err == SK_EENCRYPTED;
}
