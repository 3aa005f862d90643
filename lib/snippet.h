/*
 * Snippets: the part of a passage around its best cluster of matched words,
 * with the matched words marked as byte spans (the output decides how to
 * show them: brackets, terminal bold, HTML <mark>).
 */
#ifndef VS_SNIPPET_H
#define VS_SNIPPET_H

#include <stddef.h>

#include "aliases.h"
#include "vnsearch.h"

/* The words to highlight: folded keys and exact keys (sorted for bsearch by
 * snippet_terms_add()/snippet_terms_sort()). */
typedef struct snippet_terms {
    char **folded, **exact;
    size_t nfolded, nexact, capf, cape;
    char **groups, **frameworks; /* alias terms matched: group keys, framework codes */
    size_t ngroups, nframeworks, capg, capw;
    char **prefixes;             /* prefix* words: folded, or XE-prefixed exact */
    size_t nprefixes, capp;
    char **marked;               /* folded keys of the syllables typed with marks */
    size_t nmarked, capm;
    char **pairs;                /* "a b": two syllables typed together (XW terms) */
    size_t npairs, capr;
} snippet_terms;

/* A syllable typed with marks (its folded key): an exact hit highlights it
 * only in the spelling typed. */
void snippet_terms_add_marked(snippet_terms *t, const char *folded, size_t len);

/* A prefix* word: tokens whose folded key (or with PREFIX_EXACT, exact key)
 * starts with it are highlighted. */
void snippet_terms_add_prefix(snippet_terms *t, const char *prefix, size_t len);

void snippet_terms_add(snippet_terms *t, const char *term, size_t len); /* an index term, prefixed or not */
void snippet_terms_sort(snippet_terms *t);
void snippet_terms_free(snippet_terms *t);

/* Highlight spans over the whole text (merged, in order): the words whose
 * folded or exact key matched, and every spelling of a matched alias.  With
 * `exact`, a syllable typed with marks is highlighted only in the spelling
 * typed.  Each span weighs: a word in the spelling typed more than one
 * matched only folded, and one next to another word of the query, as typed,
 * more again (the snippet shows the phrase if the passage holds it). */
int snippet_highlight(const char *text, size_t len, const snippet_terms *t, const alias_table *aliases, int exact,
                      vs_span **spans, size_t *n);

/* A snippet of about max_chars characters around the heaviest cluster of spans,
 * with "…" where it cuts the text; its spans are rebased onto it. */
int snippet_make(const char *text, size_t len, const vs_span *spans, size_t n, size_t max_chars, char **out,
                 vs_span **out_spans, size_t *out_n);

#endif
