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

enum qkind { QN_TEXT, QN_PHRASE, QN_WILDCARD, QN_SEQ, QN_OR };

/* The parsed query: a tree of text chunks, phrases, prefix* words,
 * sequences (implicit: ranked; strict: an explicit AND) and ORs. */
typedef struct qnode {
    enum qkind kind;
    int sign;   /* -1 excluded, +1 required, 0 ranked */
    int strict; /* QN_SEQ: an explicit AND joined its items */
    char *text;
    struct qnode **kids;
    size_t nkids, cap;
} qnode;

typedef struct parsed_query {
    qnode *root;                 /* NULL if the query has only filters */
    char *frameworks[QUERY_MAX_FRAMEWORKS]; /* framework: filters (codes as typed) */
    size_t nframeworks;
    uint32_t date_from, date_to; /* date: filter, YYYYMMDD, 0 = open */
    int has_date;
    int forgiven;                /* an unbalanced ( ) or " was read as text (QUERY_NOTE_FORGIVEN) */
} parsed_query;

/* What to tell the user when an unbalanced parenthesis or quote was read as
 * text: English in the result (JSON and the API carry it as it is), marked
 * for po/ so that vnsearch's text output can say it in the user's language. */
#ifndef N_
#define N_(s) s
#endif
#define QUERY_NOTE_FORGIVEN                                                                                      \
    N_("an unbalanced parenthesis or quote was read as text (balance them to group words with ( ) or to quote a " \
       "phrase with \" \")")

/* Parses text.  A parenthesis or quote with no partner, as in a line pasted
 * from a document ("số 10) vào trong ô"), is read as text and sets
 * ->forgiven; the balanced ones keep their meaning.  Returns 0, or -1 with
 * a one-line message in err (bad date, query too long, nested too deeply). */
int query_parse(const char *text, parsed_query *out, char *err, size_t cap);
void query_free(parsed_query *q);

/* The alias table of an open engine (search.c), for the code and the tests
 * that build queries themselves. */
const alias_table *vs_aliases(const vs_engine *e);

typedef struct query_context {
    xc_db *db;
    const alias_table *aliases;
    int exact;                   /* --exact */
    int weigh_both;              /* weigh exact and folded apart in every tier ($VNSEARCH_NO_FOLD) */
} query_context;

/* ------------------------------------------------------------ the plan */

/* How a passage matched (plan.c): every word in the spelling typed (first
 * those holding them in the order typed), every word but some only with
 * other marks, or only some of the words. */
enum { TIER_EXACT = 0, TIER_MARKS = 1, TIER_SOME = 2 };
#define QUERY_MAX_TIERS 4

/* The words of a query that a hit can highlight and the restorer can look
 * up: folded keys and exact keys, one entry per syllable typed. */
typedef struct query_terms {
    char **folded;      /* folded key per syllable typed (not excluded) */
    char **exact;       /* its exact key */
    int *marked;        /* 1 if it was typed with marks */
    size_t count;
} query_terms;

/* A phrase typed in quotes, for the check against a hit's text: its
 * syllables' folded keys in order (plan.c finds it through its pairs). */
typedef struct query_phrase {
    char **keys;
    size_t n;
} query_phrase;

/* What plan_build() makes of a parsed query (see plan.c for the why):
 *
 *   weight    every term that weighs, one OR: each tier ranks by it
 *   tier[k]   which passages are in tier k (no weight of its own), the
 *             tiers disjoint and in order: TIER_EXACT before TIER_MARKS
 *             before TIER_SOME
 *   match     every passage the query matches (the tiers' union)
 *   exclude   the passages -words exclude, or NULL
 *
 * The caller adds its filters and runs FILTER(weight, tier[k] AND filter)
 * AND_NOT exclude, tier by tier. */
typedef struct query_plan {
    xc_query *weight;
    size_t nweights;             /* the terms it ORs: bounds any passage's weight (search.c) */
    xc_query *tier[QUERY_MAX_TIERS];
    int kind[QUERY_MAX_TIERS];
    size_t ntiers;
    /* The same tiers for Xapian to run faster, with the same passages and
     * weights: the weighing terms every passage of the tier holds go into
     * a weighted AND (tier_weight, the others after AND_MAYBE), the tier's
     * terms they stand for leave its filter (tier_filter, NULL for none),
     * and what it excludes is tier_not (NULL for nothing).  tier_weight
     * NULL: run weight FILTER tier. */
    xc_query *tier_weight[QUERY_MAX_TIERS], *tier_filter[QUERY_MAX_TIERS], *tier_not[QUERY_MAX_TIERS];
    xc_query *match;
    xc_query *exclude;
    query_terms terms;
    query_phrase *phrases;       /* of three syllables or more: checked in the hits' text */
    size_t nphrases;
    /* Every index term the plan looks for, prefixes included, and the
     * prefix* words: what a hit can highlight (search.c), without reading
     * each hit's term list back from the index; and the folded keys of the
     * syllables typed with marks, highlighted in an exact hit only in the
     * spelling typed. */
    char **hl_terms, **hl_prefixes, **hl_marked;
    size_t nhl_terms, nhl_prefixes, nhl_marked;
} query_plan;

/* Builds the plan of a parsed query.  Returns 0 with plan filled (plan
 * ->weight NULL when the query has only filters), or -1 with a message in
 * err.  Free with plan_free() either way. */
int plan_build(const parsed_query *q, const query_context *ctx, query_plan *plan, char *err, size_t cap);
void plan_free(query_plan *plan);

/* 1 if the text holds the phrase: its syllables in order, each following
 * the one before within the paragraph, whatever punctuation stands between
 * them (vn_adjacent). */
int plan_phrase_in(const query_phrase *ph, const char *text, size_t len);

/* The filter for frameworks (OR of primary framework terms) and a date range
 * [from, to] (either may be 0 for open): on the passages' own dates, or with
 * `inherited` on those they take from the passage they continue (schema.h).
 * Returns NULL for "no filter", or with *impossible set when nothing can
 * match (a date range with no indexed date inside). */
xc_query *query_framework_filter(char *const *codes, size_t n);
xc_query *query_date_filter(xc_db *db, uint32_t from, uint32_t to, int inherited, int *impossible, char *err,
                             size_t cap);

#endif
