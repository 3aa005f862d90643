/*
 * Snippets (see snippet.h).
 */
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "vntext.h"

static int push_str(char ***arr, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        char **p = realloc(*arr, c * sizeof *p);
        if (!p)
            return -1;
        *arr = p;
        *cap = c;
    }
    char *d = strndup(s, len);
    if (!d)
        return -1;
    (*arr)[(*n)++] = d;
    return 0;
}

void snippet_terms_add(snippet_terms *t, const char *term, size_t len)
{
    size_t pl = strlen(PREFIX_EXACT), al = strlen(PREFIX_ALIAS), ml = strlen(PREFIX_MENTION),
           wl = strlen(PREFIX_PAIR);
    if (len > wl && memcmp(term, PREFIX_PAIR, wl) == 0)
        push_str(&t->pairs, &t->npairs, &t->capr, term + wl, len - wl);
    else if (len > al && memcmp(term, PREFIX_ALIAS, al) == 0)
        push_str(&t->groups, &t->ngroups, &t->capg, term + al, len - al);
    else if (len > ml && memcmp(term, PREFIX_MENTION, ml) == 0)
        push_str(&t->frameworks, &t->nframeworks, &t->capw, term + ml, len - ml);
    else if (len > pl && memcmp(term, PREFIX_EXACT, pl) == 0)
        push_str(&t->exact, &t->nexact, &t->cape, term + pl, len - pl);
    else if (len > 0 && !(term[0] >= 'A' && term[0] <= 'Z')) /* prefixed terms are filters */
        push_str(&t->folded, &t->nfolded, &t->capf, term, len);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void snippet_terms_add_prefix(snippet_terms *t, const char *prefix, size_t len)
{
    push_str(&t->prefixes, &t->nprefixes, &t->capp, prefix, len);
}

void snippet_terms_add_marked(snippet_terms *t, const char *folded, size_t len)
{
    push_str(&t->marked, &t->nmarked, &t->capm, folded, len);
}

/* 1 if the token's folded key (or, for an XE prefix, its exact key) starts
 * with one of the prefixes. */
static int prefixed(const snippet_terms *t, const vn_token *tk)
{
    size_t pl = strlen(PREFIX_EXACT);
    for (size_t i = 0; i < t->nprefixes; i++) {
        const char *p = t->prefixes[i];
        size_t n = strlen(p);
        if (n > pl && memcmp(p, PREFIX_EXACT, pl) == 0) {
            if (tk->exact_len >= n - pl && memcmp(tk->exact, p + pl, n - pl) == 0)
                return 1;
        } else if (tk->folded_len >= n && memcmp(tk->folded, p, n) == 0) {
            return 1;
        }
    }
    return 0;
}

void snippet_terms_sort(snippet_terms *t)
{
    if (t->nfolded)
        qsort(t->folded, t->nfolded, sizeof *t->folded, cmp_str);
    if (t->nexact)
        qsort(t->exact, t->nexact, sizeof *t->exact, cmp_str);
    if (t->nmarked)
        qsort(t->marked, t->nmarked, sizeof *t->marked, cmp_str);
    if (t->npairs)
        qsort(t->pairs, t->npairs, sizeof *t->pairs, cmp_str);
}

void snippet_terms_free(snippet_terms *t)
{
    for (size_t i = 0; i < t->nprefixes; i++)
        free(t->prefixes[i]);
    free(t->prefixes);
    for (size_t i = 0; i < t->ngroups; i++)
        free(t->groups[i]);
    for (size_t i = 0; i < t->nframeworks; i++)
        free(t->frameworks[i]);
    free(t->groups);
    free(t->frameworks);
    for (size_t i = 0; i < t->nfolded; i++)
        free(t->folded[i]);
    for (size_t i = 0; i < t->nexact; i++)
        free(t->exact[i]);
    for (size_t i = 0; i < t->nmarked; i++)
        free(t->marked[i]);
    for (size_t i = 0; i < t->npairs; i++)
        free(t->pairs[i]);
    free(t->folded);
    free(t->exact);
    free(t->marked);
    free(t->pairs);
    memset(t, 0, sizeof *t);
}

static int has(char *const *arr, size_t n, const char *s, size_t len)
{
    char key[VN_KEY_MAX + 1];
    if (n == 0 || len >= sizeof key)
        return 0;
    memcpy(key, s, len);
    key[len] = '\0';
    const char *k = key;
    return bsearch(&k, arr, n, sizeof *arr, cmp_str) != NULL;
}

#define WEIGHT_FOLDED 1 /* matched with other marks, or typed without */
#define WEIGHT_EXACT 3  /* in the spelling typed, or an alias */
#define WEIGHT_PAIR 2   /* added to each of two words typed together, found together */

static int add_span(vs_span **spans, size_t *n, size_t *cap, size_t start, size_t end, int weight)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        vs_span *p = realloc(*spans, *cap * sizeof *p);
        if (!p)
            return -1;
        *spans = p;
    }
    (*spans)[(*n)++] = (vs_span){start, end, weight};
    return 0;
}

static int in_list(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static int cmp_span(const void *a, const void *b)
{
    const vs_span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

typedef struct alias_hits {
    const snippet_terms *terms;
    const alias_table *aliases;
    const alias_text *text;
    vs_span **spans;
    size_t *n, *cap;
    int failed;
} alias_hits;

static void alias_hit(void *ctx, alias_kind kind, size_t id, size_t first, size_t count)
{
    alias_hits *h = ctx;
    int wanted = kind == ALIAS_FRAMEWORK
                     ? in_list(h->terms->frameworks, h->terms->nframeworks, alias_framework_code(h->aliases, id))
                     : in_list(h->terms->groups, h->terms->ngroups, alias_group_key(h->aliases, id));
    if (wanted && !h->failed)
        h->failed = add_span(h->spans, h->n, h->cap, h->text->start[first], h->text->end[first + count - 1],
                             WEIGHT_EXACT);
}

/* Spans where a matched alias is named, found exactly as the indexer
 * counted them (alias_scan). */
static int alias_spans(const char *text, size_t len, const snippet_terms *t, const alias_table *aliases,
                       vs_span **spans, size_t *n, size_t *cap)
{
    alias_text at;
    memset(&at, 0, sizeof at);
    int rc = alias_text_fill(&at, text, len);
    if (rc == 0) {
        alias_hits h = {t, aliases, &at, spans, n, cap, 0};
        alias_scan(aliases, &at, alias_hit, &h);
        rc = h.failed;
    }
    alias_text_free(&at);
    return rc;
}

/* 1 if "a b" is a pair of the query. */
static int is_pair(const snippet_terms *t, const char *a, size_t al, const char *b, size_t bl)
{
    char key[2 * VN_KEY_MAX + 2];
    if (t->npairs == 0 || al + bl + 2 > sizeof key)
        return 0;
    memcpy(key, a, al);
    key[al] = ' ';
    memcpy(key + al + 1, b, bl);
    key[al + bl + 1] = '\0';
    const char *k = key;
    return bsearch(&k, t->pairs, t->npairs, sizeof *t->pairs, cmp_str) != NULL;
}

int snippet_highlight(const char *text, size_t len, const snippet_terms *t, const alias_table *aliases, int exact,
                      vs_span **spans, size_t *n)
{
    *spans = NULL;
    *n = 0;
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!tok)
        return -1;
    vn_tokenizer_reset(tok, text, len, 1);
    vn_token tk;
    size_t cap = 0;
    int rc = 0;
    /* the previous main token: its folded key and whether it is a span */
    char prev[VN_KEY_MAX];
    size_t prev_len = 0, prev_end = 0;
    long prev_span = -1;
    while (rc == 0 && vn_tokenizer_next(tok, &tk)) {
        if (tk.kind == VN_TOKEN_NUMPART)
            continue;
        int folded = has(t->folded, t->nfolded, tk.folded, tk.folded_len);
        int exact_hit = has(t->exact, t->nexact, tk.exact, tk.exact_len);
        int weight = 0;
        if (exact_hit)
            weight = WEIGHT_EXACT;
        else if (folded && !(exact && has(t->marked, t->nmarked, tk.folded, tk.folded_len)))
            weight = has(t->marked, t->nmarked, tk.folded, tk.folded_len) ? WEIGHT_FOLDED : WEIGHT_EXACT;
        else if (t->nprefixes && prefixed(t, &tk))
            weight = WEIGHT_EXACT;
        long span = -1;
        if (weight) {
            span = (long)*n;
            rc = add_span(spans, n, &cap, tk.start, tk.end, weight);
        }
        if (tk.kind == VN_TOKEN_JOINED)
            continue;
        if (rc == 0 && span >= 0 && prev_span >= 0 && vn_adjacent(text, prev_end, tk.start) &&
            is_pair(t, prev, prev_len, tk.folded, tk.folded_len)) {
            (*spans)[prev_span].weight += WEIGHT_PAIR;
            (*spans)[span].weight += WEIGHT_PAIR;
        }
        if (tk.folded_len < sizeof prev) {
            memcpy(prev, tk.folded, tk.folded_len);
            prev_len = tk.folded_len;
        } else {
            prev_len = 0;
        }
        prev_end = tk.end;
        prev_span = span;
    }
    if (rc == 0 && aliases && (t->ngroups || t->nframeworks))
        rc = alias_spans(text, len, t, aliases, spans, n, &cap);
    vn_tokenizer_free(tok);
    if (rc)
        return rc;
    /* in order, overlaps merged (a part inside a highlighted joined word, a
     * word inside a highlighted alias), keeping the heavier weight */
    if (*n > 1) /* *spans is NULL when nothing matched: no qsort(NULL, 0) */
        qsort(*spans, *n, sizeof **spans, cmp_span);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (k > 0 && (*spans)[i].start < (*spans)[k - 1].end) {
            if ((*spans)[i].end > (*spans)[k - 1].end)
                (*spans)[k - 1].end = (*spans)[i].end;
            if ((*spans)[i].weight > (*spans)[k - 1].weight)
                (*spans)[k - 1].weight = (*spans)[i].weight;
            continue;
        }
        (*spans)[k++] = (*spans)[i];
    }
    *n = k;
    return 0;
}

/* Character count of text[a, b). */
static size_t chars(const char *text, size_t a, size_t b)
{
    size_t c = 0;
    for (size_t i = a; i < b; i++)
        c += ((unsigned char)text[i] & 0xC0) != 0x80;
    return c;
}

/* Byte offset `n` characters after (n > 0) or before (n < 0) `from`. */
static size_t step(const char *text, size_t len, size_t from, long n)
{
    size_t i = from;
    while (n > 0 && i < len) {
        i++;
        while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    while (n < 0 && i > 0) {
        i--;
        while (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80)
            i--;
        n++;
    }
    return i;
}

#define ELLIPSIS "\xE2\x80\xA6"

int snippet_make(const char *text, size_t len, const vs_span *spans, size_t n, size_t max_chars, char **out,
                 vs_span **out_spans, size_t *out_n)
{
    *out = NULL;
    *out_spans = NULL;
    *out_n = 0;
    size_t start = 0, end = len;
    size_t total = chars(text, 0, len);
    if (total > max_chars + max_chars / 5) {
        /* the window holding the most highlights, starting a little before one */
        size_t best_start = 0, best_score = 0;
        long lead = (long)(max_chars / 6);
        for (size_t i = 0; i < n || (i == 0 && n == 0); i++) {
            size_t s = n ? step(text, len, spans[i].start, -lead) : 0;
            size_t e = step(text, len, s, (long)max_chars);
            size_t score = 0;
            for (size_t k = 0; k < n; k++)
                if (spans[k].start >= s && spans[k].end <= e)
                    score += (size_t)spans[k].weight;
            if (score > best_score || i == 0) {
                best_score = score;
                best_start = s;
            }
            if (n == 0)
                break;
        }
        start = best_start;
        end = step(text, len, start, (long)max_chars);
        /* whole words: move the start forward to a space, the end back to one */
        if (start > 0) {
            size_t s = start;
            while (s < end && text[s] != ' ')
                s++;
            if (s < end)
                start = s + 1;
        }
        if (end < len) {
            size_t e = end;
            while (e > start && text[e] != ' ')
                e--;
            if (e > start)
                end = e;
        }
    }
    size_t pre = start > 0 ? strlen(ELLIPSIS) : 0, post = end < len ? strlen(ELLIPSIS) : 0;
    char *s = malloc(pre + (end - start) + post + 1);
    vs_span *sp = malloc((n + 1) * sizeof *sp);
    if (!s || !sp) {
        free(s);
        free(sp);
        return -1;
    }
    size_t o = 0;
    if (pre) {
        memcpy(s, ELLIPSIS, pre);
        o = pre;
    }
    memcpy(s + o, text + start, end - start);
    o += end - start;
    if (post) {
        memcpy(s + o, ELLIPSIS, post);
        o += post;
    }
    s[o] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (spans[i].start >= start && spans[i].end <= end)
            sp[k++] = (vs_span){spans[i].start - start + pre, spans[i].end - start + pre, spans[i].weight};
    *out = s;
    *out_spans = sp;
    *out_n = k;
    return 0;
}
