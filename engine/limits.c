#include "limits.h"

void sk_limits_default(struct sk_limits *limits)
{
    limits->max_request_bytes = SK_DEFAULT_MAX_REQUEST_BYTES;
    limits->max_total_bytes = SK_DEFAULT_MAX_TOTAL_BYTES;
    limits->max_node_bytes = SK_DEFAULT_MAX_NODE_BYTES;
    limits->ratio_floor = SK_DEFAULT_RATIO_FLOOR;
    limits->max_depth = SK_DEFAULT_MAX_DEPTH;
    limits->max_nodes = SK_DEFAULT_MAX_NODES;
    limits->max_ratio = SK_DEFAULT_MAX_RATIO;
    limits->timeout_ms = SK_DEFAULT_TIMEOUT_MS;
    limits->max_passwords = SK_DEFAULT_MAX_PASSWORDS;
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void sk_limits_clamp(struct sk_limits *limits)
{
    limits->max_depth = clamp_u32(limits->max_depth, 1, SK_CAP_DEPTH);
    limits->max_nodes = clamp_u32(limits->max_nodes, 1, SK_CAP_NODES);
    limits->max_passwords = clamp_u32(limits->max_passwords, 0, SK_CAP_PASSWORDS);
    limits->max_ratio = clamp_u32(limits->max_ratio, 1, UINT32_MAX);
    limits->timeout_ms = clamp_u32(limits->timeout_ms, 1, UINT32_MAX);
    if (limits->max_request_bytes == 0)
        limits->max_request_bytes = 1;
    if (limits->max_node_bytes == 0)
        limits->max_node_bytes = 1;
    if (limits->max_total_bytes == 0)
        limits->max_total_bytes = 1;
}

const char *sk_limit_code(enum sk_limit_kind kind)
{
    switch (kind) {
    case SK_LIMIT_SIZE: return "limit.size";
    case SK_LIMIT_DEPTH: return "limit.depth";
    case SK_LIMIT_NODES: return "limit.nodes";
    case SK_LIMIT_BYTES: return "limit.bytes";
    case SK_LIMIT_NODE_BYTES: return "limit.node_bytes";
    case SK_LIMIT_RATIO: return "limit.ratio";
    case SK_LIMIT_TIME: return "limit.time";
    case SK_LIMIT_PASSWORDS: return "limit.passwords";
    }
    return "limit.unknown";
}
