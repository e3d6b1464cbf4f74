/* The bidding (unpacker.h): which type a node is, when an unpacker's bid
 * shows more than the sniffer saw, and which unpacker opens it. */
#include "unpacker.h"

int sk_bid(const struct sk_unpacker *unpacker, const struct sk_node *node, enum sk_type *type)
{
    *type = node->type;
    return unpacker->bid(node, type);
}

enum sk_type sk_bid_type(const struct sk_unpacker *const *table, const struct sk_node *node,
                         enum sk_type sniffed, const struct sk_unpacker **opener)
{
    struct sk_node view = *node;
    view.type = sniffed;
    enum sk_type best = sniffed;
    int best_score = 0; /* the sniffer's type is a bid of 0 */
    const struct sk_unpacker *sniffed_opener = NULL;
    int opener_score = 0;
    for (size_t i = 0; table && table[i]; i++) {
        enum sk_type shown;
        int score = sk_bid(table[i], &view, &shown);
        if (score <= 0)
            continue;
        if (shown == sniffed && score > opener_score) {
            opener_score = score;
            sniffed_opener = table[i];
        }
        if (shown == best)
            continue;
        /* Precedence orders the families (an archive before a disk image
         * before a document ... before text); within one family, as among
         * the text types, the stronger evidence wins. */
        int rank = sk_type_precedence(shown), best_rank = sk_type_precedence(best);
        if (rank < best_rank || (rank == best_rank && score > best_score)) {
            best = shown;
            best_score = score;
        }
    }
    if (opener) {
        /* The bids just made were for the sniffer's type: they choose the
         * opener when that type stands; another type asks them again. */
        view.type = best;
        *opener = best == sniffed ? sniffed_opener : sk_bid_best(table, &view);
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
