/*
 * "Did you mean": a respelling of a query whose words the index barely
 * knows, built from the index's own vocabulary, and the words that matched
 * nothing.
 *
 * Each word of the query (not the operators, filters, exclusions or
 * prefix* words) is looked up: a word that no passage holds, or that few do
 * while the query has other words, is a candidate for respelling.  Its
 * candidates come from the index's terms (termfreq lookups, nothing loaded):
 *
 *   - Telex typed without an input method: hojp -> họp, tacs -> tác,
 *     Vieetj -> Việt (tone keys s f r x j, aa ee oo aw ow uw w dd);
 *   - VNI the same way: hop5 -> họp, tac1 -> tác, vie65t -> việt;
 *   - the other spellings of the same letters (a wrong tone or vowel mark:
 *     hớp -> hợp, and họp -> hợp where the context says so);
 *   - one letter missing, extra, wrong or swapped (tc -> tac), and a word
 *     typed without its space (hoptac -> hop tac).
 *
 * The words are then chosen together (a Viterbi pass over the query): each
 * candidate weighs by how it was found and how many passages hold it, and
 * each pair of neighbours by how many passages hold both, so "hojp tacs"
 * becomes "hợp tác" and not "họp tác".  The respelling is offered only when
 * it is better: fewer words that match nothing, or at least three times the
 * passages holding every word.  It is never applied: the caller shows it.
 */
#ifndef VN_SUGGEST_H
#define VN_SUGGEST_H

#include <stddef.h>
#include <stdint.h>

#include "aliases.h"
#include "xapian-c.h"

/* Queries with more words than this get no respelling (a paragraph pasted
 * in), only their unmatched words. */
#define SUGGEST_MAX_WORDS 16
/* A word in fewer passages than this is checked when the query has other
 * words. */
#define SUGGEST_RARE 3

typedef struct suggestion {
    char *query;        /* the query with its words respelled, or NULL when nothing is better */
    uint32_t passages;  /* passages holding every word of it (counted up to SUGGEST_COUNT_MAX) */
    uint32_t original;  /* passages holding every word of the query as typed (likewise) */
    char **unmatched;   /* the words no passage holds, as typed, in query order */
    size_t nunmatched;
} suggestion;

#define SUGGEST_COUNT_MAX 1000

/* Looks at query (as typed, UTF-8) against the index.  `aliases` (may be
 * NULL) is the index's table: words it matches are never respelled or
 * called unmatched.  With `exact` (--exact), a word typed with marks counts
 * only the passages with that spelling.  Returns 0 (*out filled, possibly
 * empty; free it with suggestion_free) or -1 with a message in err (the
 * index could not be read, or out of memory). */
int suggest(xc_db *db, const alias_table *aliases, const char *query, int exact, suggestion *out, char *err,
            size_t cap);
void suggestion_free(suggestion *s);

/* The spellings of typed Telex or VNI (ASCII letters and digits), decoded as
 * an input method would: the word in NFC with its marks, into out (at least
 * 64 bytes).  Returns its length, or 0 if the word holds no Telex (VNI) key
 * or does not decode to one syllable's letters.  Exposed for the tests. */
size_t suggest_telex(const char *typed, size_t len, char *out, size_t cap);
size_t suggest_vni(const char *typed, size_t len, char *out, size_t cap);

#endif
