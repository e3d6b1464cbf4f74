/* The bidding (unpacker.h): which type a node is, when an unpacker's bid
 * shows more than the sniffer saw, and which unpacker opens it. */
#include "unpacker.h"

int sk_bid(const struct sk_unpacker *unpacker, const struct sk_node *node, enum sk_type *type)
{
    *type = node->type;
    return unpacker->bid ? unpacker->bid(node, type) : unpacker->probe(node);
}

enum sk_type sk_bid_type(const struct sk_unpacker *const *table, const struct sk_node *node,
                         enum sk_type sniffed)
{
    struct sk_node view = *node;
    view.type = sniffed;
    enum sk_type best = sniffed;
    for (size_t i = 0; table && table[i]; i++) {
        enum sk_type shown;
        if (sk_bid(table[i], &view, &shown) > 0 && shown != sniffed &&
            sk_type_precedence(shown) < sk_type_precedence(best))
            best = shown;
    }
    return best;
}

const struct sk_unpacker *sk_bid_best(const struct sk_unpacker *const *table,
                                      const struct sk_node *node)
{
    const struct sk_unpacker *best = NULL;
    int best_score = 0;
    for (size_t i = 0; table && table[i]; i++) {
        enum sk_type shown;
        int score = sk_bid(table[i], node, &shown);
        /* A bid for another type than the node's lost on precedence. */
        if (shown == node->type && score > best_score) {
            best_score = score;
            best = table[i];
        }
    }
    return best;
}
