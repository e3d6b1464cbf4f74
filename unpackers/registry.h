/* The table of every unpacker, for the main program to hand the engine
 * (sk_engine_config.unpackers, sk_engine_from_bundle): the only header of
 * unpackers/ that cli/ and daemon/ include. */
#ifndef SK_REGISTRY_H
#define SK_REGISTRY_H

struct sk_unpacker;

/* Every unpacker, NULL-terminated. */
extern const struct sk_unpacker *const sk_unpackers[];

#endif
