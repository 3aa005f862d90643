/*
 * The query language analysts type, parsed into a tree and then turned into
 * a Xapian query over the index format of schema.h.
 *
 *   words          ranked: every word counts, passages with all of them first
 *   "a phrase"     the words in this order, next to each other
 *   -word -"p"     exclude          +word   require
 *   a OR b         either           a AND b both (strict)
 *   ( ... )        grouping         pre*    words starting with "pre"
 *   framework:MJC  filter on the primary framework (fw: for short)
 *   date:2019..2021, date:2019-06, date:..2020   filter on dates
 *
 * A word typed without marks matches every accented form; a word typed with
 * marks also matches them, but passages with exactly that word rank higher
 * (--exact: only those).  Words and runs of words found in the alias table
 * match their equivalents (Mekong = Mê Công = Mê-kông, HNCC = hội nghị cấp
 * cao, MJC = Mê Công – Nhật Bản).
 */
#ifndef VS_QUERY_H
#define VS_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "aliases.h"
#include "vnsearch.h"
#include "xapian-c.h"

#define QUERY_MAX_BYTES 65536 /* longer queries are refused, not truncated */
#define QUERY_MAX_WORDS 1024
#define QUERY_MAX_DEPTH 32
#define QUERY_MAX_FRAMEWORKS 64
#define QUERY_MAX_WILDCARDS 32 /* each prefix* expands to up to 200 terms; 1000 of them took seconds */

typedef struct query_word query_word;

/* The words of a parsed query that a hit can highlight and the restorer can
 * look up: folded keys and exact keys, one entry per word typed. */
typedef struct query_terms {
    char **folded;      /* folded key per word typed (not excluded) */
    char **exact;       /* its exact key */
    int *marked;        /* 1 if it was typed with marks */
    size_t count;
} query_terms;

#define QUERY_MAX_PAIRS 16
/* Added to passages that have every word of a word list, so that they rank
 * above those that miss one (query.c: ranked()). */
#define QUERY_ALL_WORDS_BONUS 100.0

typedef struct parsed_query {
    struct qnode *root;          /* NULL if the query has only filters */
    xc_query *pairs[QUERY_MAX_PAIRS]; /* adjacent words as phrases, from query_build() */
    size_t npairs;
    /* The query restricted to passages with every word and weighted without
     * QUERY_ALL_WORDS_BONUS, from query_build() when the query is one list
     * of words.  Its best hits are the full query's, bonus apart, when it
     * has enough of them and nothing outside it can outweigh them; it costs
     * less to run (search.c: strict_page()).  NULL otherwise. */
    xc_query *strict;
    char *frameworks[QUERY_MAX_FRAMEWORKS]; /* framework: filters (codes as typed) */
    size_t nframeworks;
    uint32_t date_from, date_to; /* date: filter, YYYYMMDD, 0 = open */
    int has_date;
    query_terms terms;
    /* Every index term the built query looks for, prefixes included, and the
     * prefix* words: what a hit can highlight (search.c), without reading
     * each hit's term list back from the index. */
    char **hl_terms, **hl_prefixes;
    size_t nhl_terms, nhl_prefixes;
} parsed_query;

/* Parses text.  Returns 0, or -1 with a one-line message in err (unbalanced
 * quote or parenthesis, bad date, query too long). */
int query_parse(const char *text, parsed_query *out, char *err, size_t cap);
void query_free(parsed_query *q);

/* The alias table of an open engine (search.c), for the code and the tests
 * that build queries themselves. */
const alias_table *vs_aliases(const vs_engine *e);

typedef struct query_context {
    xc_db *db;
    const alias_table *aliases;
    int exact;                   /* --exact */
} query_context;

/* Builds the Xapian query for the parsed query's words, restricted to
 * `filter` (NULL for none; see filtered() in query.c for where it goes).
 * Returns NULL if there are no positive words (filters only), with *empty
 * set; NULL with *empty = 0 is an error (message in err). */
xc_query *query_build(const parsed_query *q, const query_context *ctx, const xc_query *filter, int *empty,
                      char *err, size_t cap);

/* The filter for frameworks (OR of primary framework terms) and a date range
 * [from, to] (either may be 0 for open).  Returns NULL for "no filter", or
 * with *impossible set when nothing can match (a date range with no
 * indexed date inside). */
xc_query *query_framework_filter(char *const *codes, size_t n);
xc_query *query_date_filter(xc_db *db, uint32_t from, uint32_t to, int *impossible, char *err, size_t cap);

#endif
