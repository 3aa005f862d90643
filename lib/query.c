/*
 * Query parsing and building (see query.h for the language).
 *
 * Ranking an analyst's plain words: each word (or alias run) is a "unit";
 * the query is the OR of the units, so one unlucky word never empties the
 * result, plus a fixed bonus for passages matching every unit, so those come
 * first.  Pairs of adjacent words are returned as phrases of their own: the
 * engine boosts the best candidates that hold them (Vietnamese words are
 * several syllables, and adjacency is where their meaning is), which costs a
 * few positional checks instead of one per passage holding both syllables.
 */
#include "query.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "schema.h"
#include "vnsearch.h"
#include "vntext.h"

#define WILDCARD_MAX_TERMS 200
#define MAX_PARTS 16

enum qkind { QN_TEXT, QN_PHRASE, QN_WILDCARD, QN_SEQ, QN_OR };

typedef struct qnode {
    enum qkind kind;
    int sign;   /* -1 excluded, +1 required, 0 ranked */
    int strict; /* QN_SEQ: an explicit AND joined its items */
    char *text;
    struct qnode **kids;
    size_t nkids, cap;
} qnode;

/* ------------------------------------------------------------- lexing */

enum ttype { T_EOF, T_WORD, T_PHRASE, T_LPAREN, T_RPAREN, T_OR, T_AND, T_NOT, T_MINUS, T_PLUS };

typedef struct lexer {
    const char *s;
    size_t n, i;
    enum ttype type;
    char *text;
    size_t words;
    char *err;
    size_t errcap;
    int failed;
} lexer;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Opening and closing quotes: " and the typographic “ ”. */
static size_t quote_at(const lexer *lx, size_t i, int closing)
{
    if (lx->s[i] == '"')
        return 1;
    if (i + 2 < lx->n && (unsigned char)lx->s[i] == 0xE2 && (unsigned char)lx->s[i + 1] == 0x80 &&
        (unsigned char)lx->s[i + 2] == (closing ? 0x9D : 0x9C))
        return 3;
    return 0;
}

static int is_delim(const lexer *lx, size_t i)
{
    unsigned char c = (unsigned char)lx->s[i];
    return is_space(c) || c == '(' || c == ')' || quote_at(lx, i, 0) || quote_at(lx, i, 1);
}

static void lex_error(lexer *lx, const char *msg)
{
    if (!lx->failed)
        snprintf(lx->err, lx->errcap, "%s", msg);
    lx->failed = 1;
    lx->type = T_EOF;
}

static void next(lexer *lx)
{
    free(lx->text);
    lx->text = NULL;
    while (lx->i < lx->n && is_space((unsigned char)lx->s[lx->i]))
        lx->i++;
    if (lx->i >= lx->n) {
        lx->type = T_EOF;
        return;
    }
    size_t q;
    char c = lx->s[lx->i];
    if (c == '(') {
        lx->i++;
        lx->type = T_LPAREN;
        return;
    }
    if (c == ')') {
        lx->i++;
        lx->type = T_RPAREN;
        return;
    }
    if ((q = quote_at(lx, lx->i, 0)) || (q = quote_at(lx, lx->i, 1))) {
        size_t start = lx->i + q, j = start;
        size_t close = 0;
        while (j < lx->n && !(close = quote_at(lx, j, 1)) && !(close = quote_at(lx, j, 0)))
            j++;
        if (j >= lx->n) {
            lex_error(lx, "unbalanced quote: a phrase opened with \" is never closed");
            return;
        }
        lx->text = strndup(lx->s + start, j - start);
        lx->i = j + close;
        lx->type = T_PHRASE;
        return;
    }
    if ((c == '-' || c == '+') && lx->i + 1 < lx->n && !is_space((unsigned char)lx->s[lx->i + 1]) &&
        lx->s[lx->i + 1] != ')') {
        lx->i++;
        lx->type = c == '-' ? T_MINUS : T_PLUS;
        return;
    }
    size_t start = lx->i;
    while (lx->i < lx->n && !is_delim(lx, lx->i))
        lx->i++;
    lx->text = strndup(lx->s + start, lx->i - start);
    if (!strcmp(lx->text, "OR") || !strcmp(lx->text, "|"))
        lx->type = T_OR;
    else if (!strcmp(lx->text, "AND") || !strcmp(lx->text, "&"))
        lx->type = T_AND;
    else if (!strcmp(lx->text, "NOT"))
        lx->type = T_NOT;
    else
        lx->type = T_WORD;
    if (lx->type == T_WORD && ++lx->words > QUERY_MAX_WORDS) {
        char msg[128];
        snprintf(msg, sizeof msg, "query too long: more than %d words", QUERY_MAX_WORDS);
        lex_error(lx, msg);
    }
}

/* ------------------------------------------------------------ parsing */

typedef struct parser {
    lexer lx;
    parsed_query *q;
    size_t wildcards;
} parser;

static void node_free(qnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

static qnode *node_new(enum qkind kind, const char *text)
{
    qnode *n = calloc(1, sizeof *n);
    if (n && text && !(n->text = strdup(text))) {
        free(n);
        return NULL;
    }
    if (n)
        n->kind = kind;
    return n;
}

static int node_add(qnode *parent, qnode *kid)
{
    if (parent->nkids == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        qnode **k = realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return -1;
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->nkids++] = kid;
    return 0;
}

static int parse_date_filter(parser *p, const char *v)
{
    char a[32] = "", b[32] = "";
    const char *dots = strstr(v, "..");
    if (dots) {
        snprintf(a, sizeof a, "%.*s", (int)(dots - v), v);
        snprintf(b, sizeof b, "%s", dots + 2);
    } else {
        snprintf(a, sizeof a, "%s", v);
        snprintf(b, sizeof b, "%s", v);
    }
    uint32_t from = 0, to = 0;
    if ((*a && date_parse_bound(a, 0, &from)) || (*b && date_parse_bound(b, 1, &to)) || (!*a && !*b)) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "bad date '%s': expected YYYY, YYYY-MM or YYYY-MM-DD (years %d-%d), or a range FROM..TO", v,
                 DATE_YEAR_MIN, DATE_YEAR_MAX);
        lex_error(&p->lx, msg);
        return -1;
    }
    if (from && to && from > to) {
        char msg[160];
        snprintf(msg, sizeof msg, "impossible date range '%s': it ends before it starts", v);
        lex_error(&p->lx, msg);
        return -1;
    }
    /* date: filters narrow each other */
    if (!p->q->has_date || from > p->q->date_from)
        p->q->date_from = from;
    if (!p->q->has_date || (to && (!p->q->date_to || to < p->q->date_to)))
        p->q->date_to = to;
    p->q->has_date = 1;
    return 0;
}

/* framework:MJC, fw:MJC,MKC and date:... are filters, not words. */
static int filter_word(parser *p, const char *w)
{
    const char *v = NULL;
    if (!strncasecmp(w, "framework:", 10))
        v = w + 10;
    else if (!strncasecmp(w, "fw:", 3))
        v = w + 3;
    if (v) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", v);
        char *save = NULL;
        for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
            if (p->q->nframeworks == QUERY_MAX_FRAMEWORKS) {
                lex_error(&p->lx, "too many framework: filters");
                return 1;
            }
            p->q->frameworks[p->q->nframeworks++] = strdup(c);
        }
        return 1;
    }
    if (!strncasecmp(w, "date:", 5)) {
        parse_date_filter(p, w + 5);
        return 1;
    }
    return 0;
}

static qnode *parse_or(parser *p, int depth);

static qnode *parse_atom(parser *p, int depth)
{
    lexer *lx = &p->lx;
    if (lx->type == T_LPAREN) {
        if (depth >= QUERY_MAX_DEPTH) {
            lex_error(lx, "query nested too deeply in parentheses");
            return NULL;
        }
        next(lx);
        qnode *inner = parse_or(p, depth + 1);
        if (lx->type != T_RPAREN) {
            node_free(inner);
            lex_error(lx, "unbalanced parenthesis: a ( is never closed");
            return NULL;
        }
        next(lx);
        return inner;
    }
    if (lx->type == T_PHRASE) {
        qnode *n = node_new(QN_PHRASE, lx->text);
        next(lx);
        return n;
    }
    if (lx->type == T_WORD) {
        qnode *n = NULL;
        size_t len = strlen(lx->text);
        if (filter_word(p, lx->text))
            n = NULL;
        else if (len > 1 && lx->text[len - 1] == '*') {
            if (++p->wildcards > QUERY_MAX_WILDCARDS) {
                char msg[128];
                snprintf(msg, sizeof msg, "query too long: more than %d prefix* words", QUERY_MAX_WILDCARDS);
                lex_error(lx, msg);
                return NULL;
            }
            lx->text[len - 1] = '\0';
            n = node_new(QN_WILDCARD, lx->text);
        } else if (strcmp(lx->text, "*") != 0) {
            n = node_new(QN_TEXT, lx->text);
        }
        next(lx);
        return n;
    }
    return NULL;
}

static qnode *parse_seq(parser *p, int depth)
{
    lexer *lx = &p->lx;
    qnode *seq = node_new(QN_SEQ, NULL);
    if (!seq)
        return NULL;
    while (!lx->failed && lx->type != T_EOF && lx->type != T_RPAREN && lx->type != T_OR) {
        if (lx->type == T_AND) {
            if (seq->nkids > 0)
                seq->strict = 1;
            next(lx);
            continue;
        }
        int sign = 0;
        while (lx->type == T_MINUS || lx->type == T_NOT || lx->type == T_PLUS) {
            sign = lx->type == T_PLUS ? 1 : -1;
            next(lx);
        }
        if (lx->type == T_EOF || lx->type == T_RPAREN || lx->type == T_OR)
            break;
        qnode *a = parse_atom(p, depth);
        if (!a)
            continue;
        a->sign = sign;
        if (node_add(seq, a)) {
            node_free(a);
            break;
        }
    }
    return seq;
}

static qnode *parse_or(parser *p, int depth)
{
    lexer *lx = &p->lx;
    qnode *first = parse_seq(p, depth);
    if (lx->type != T_OR)
        return first;
    qnode *or = node_new(QN_OR, NULL);
    if (!or) {
        node_free(first);
        return NULL;
    }
    node_add(or, first);
    while (!lx->failed && lx->type == T_OR) {
        next(lx);
        qnode *s = parse_seq(p, depth);
        if (s && node_add(or, s))
            node_free(s);
    }
    return or;
}

/* Drops empty sequences left by filters and stray operators. */
static int has_content(const qnode *n)
{
    if (!n)
        return 0;
    if (n->kind == QN_SEQ || n->kind == QN_OR) {
        for (size_t i = 0; i < n->nkids; i++)
            if (has_content(n->kids[i]))
                return 1;
        return 0;
    }
    return 1;
}

int query_parse(const char *text, parsed_query *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(text);
    if (n > QUERY_MAX_BYTES) {
        snprintf(err, cap, "query too long: %zu bytes (at most %d)", n, QUERY_MAX_BYTES);
        return -1;
    }
    parser p;
    memset(&p, 0, sizeof p);
    p.q = out;
    p.lx.s = text;
    p.lx.n = n;
    p.lx.err = err;
    p.lx.errcap = cap;
    next(&p.lx);
    qnode *root = parse_or(&p, 0);
    if (!p.lx.failed && p.lx.type == T_RPAREN)
        lex_error(&p.lx, "unbalanced parenthesis: a ) has no matching (");
    free(p.lx.text);
    if (p.lx.failed) {
        node_free(root);
        query_free(out);
        return -1;
    }
    if (has_content(root))
        out->root = root;
    else
        node_free(root);
    return 0;
}

static void hl_free(parsed_query *q)
{
    for (size_t i = 0; i < q->nhl_terms; i++)
        free(q->hl_terms[i]);
    for (size_t i = 0; i < q->nhl_prefixes; i++)
        free(q->hl_prefixes[i]);
    free(q->hl_terms);
    free(q->hl_prefixes);
    q->hl_terms = q->hl_prefixes = NULL;
    q->nhl_terms = q->nhl_prefixes = 0;
}

static void terms_free(query_terms *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->folded[i]);
        free(t->exact[i]);
    }
    free(t->folded);
    free(t->exact);
    free(t->marked);
    memset(t, 0, sizeof *t);
}

void query_free(parsed_query *q)
{
    hl_free(q);
    for (size_t i = 0; i < q->npairs; i++)
        xc_query_free(q->pairs[i]);
    xc_query_free(q->strict);
    node_free(q->root);
    for (size_t i = 0; i < q->nframeworks; i++)
        free(q->frameworks[i]);
    terms_free(&q->terms);
    memset(q, 0, sizeof *q);
}

/* ----------------------------------------------------------- building */

/* One word as typed: its syllables, and the solid form of a hyphenated one. */
typedef struct qword {
    char *folded[MAX_PARTS], *exact[MAX_PARTS];
    size_t nparts;
    char *joined_folded, *joined_exact;
    int marked;
} qword;

typedef struct builder {
    const query_context *ctx;
    parsed_query *q;
    char *err;
    size_t errcap;
    int failed;
    xc_query *filter;  /* framework/date filter, pushed into the top-level branches */
    /* every query made is tracked here and freed at the end */
    xc_query **made;
    size_t nmade, capmade;
} builder;

static xc_query *track(builder *b, xc_query *q)
{
    if (!q) {
        if (!b->failed)
            snprintf(b->err, b->errcap, "cannot build query: %s", xc_errmsg());
        b->failed = 1;
        return NULL;
    }
    if (b->nmade == b->capmade) {
        size_t cap = b->capmade ? b->capmade * 2 : 64;
        xc_query **m = realloc(b->made, cap * sizeof *m);
        if (!m) {
            xc_query_free(q);
            b->failed = 1;
            return NULL;
        }
        b->made = m;
        b->capmade = cap;
    }
    b->made[b->nmade++] = q;
    return q;
}

/* Remembers a term or prefix for highlighting (parsed_query.hl_*). */
static void note(builder *b, char ***list, size_t *n, const char *s, size_t len)
{
    char **p = realloc(*list, (*n + 1) * sizeof *p);
    if (!p || !(p[*n] = strndup(s, len))) {
        if (p)
            *list = p;
        b->failed = 1;
        return;
    }
    *list = p;
    (*n)++;
}

static xc_query *term(builder *b, const char *prefix, const char *key)
{
    char buf[VN_KEY_MAX + 8];
    int n = snprintf(buf, sizeof buf, "%s%s", prefix, key);
    if (n < 0 || (size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    note(b, &b->q->hl_terms, &b->q->nhl_terms, buf, (size_t)n);
    return track(b, xc_query_term(buf, (size_t)n, 1));
}

static xc_query *combine(builder *b, xc_op op, xc_query **subs, size_t n, unsigned window)
{
    if (b->failed)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (subs[i])
            subs[k++] = subs[i];
    if (k == 0)
        return NULL;
    if (k == 1 && op != XC_OP_PHRASE && op != XC_OP_AND_NOT && op != XC_OP_FILTER)
        return subs[0];
    return track(b, xc_query_combine(op, subs, k, window));
}

static xc_query *combine2(builder *b, xc_op op, xc_query *a, xc_query *c);

/* Words in order, next to each other, weighted as the sum of the words.
 * Written as FILTER(AND(words), PHRASE(words)) rather than a bare PHRASE:
 * Xapian 1.4 weights a bare phrase inside an OR inconsistently (a phrase
 * whose positional check it deferred can still add weight, depending on
 * -n and on how the database is sharded), while a filter's check always runs
 * before the document counts. */
static xc_query *phrase(builder *b, xc_query **words, size_t n, unsigned window)
{
    if (n == 0)
        return NULL;
    if (n == 1)
        return words[0];
    xc_query *all = combine(b, XC_OP_AND, words, n, 0);
    xc_query *pos = combine(b, XC_OP_PHRASE, words, n, window);
    return combine2(b, XC_OP_FILTER, all, pos);
}

static xc_query *combine2(builder *b, xc_op op, xc_query *a, xc_query *c)
{
    if (!a)
        return op == XC_OP_OR ? c : NULL;
    if (!c)
        return a;
    xc_query *s[2] = {a, c};
    return combine(b, op, s, 2, 0);
}

static int markable(const char *folded)
{
    for (const char *p = folded; *p; p++)
        if (strchr("aeiouyd", *p))
            return 1;
    return 0;
}

static void record_term(builder *b, const char *folded, const char *exact, int marked)
{
    query_terms *t = &b->q->terms;
    char **f = realloc(t->folded, (t->count + 1) * sizeof *f);
    if (f)
        t->folded = f;
    char **e = realloc(t->exact, (t->count + 1) * sizeof *e);
    if (e)
        t->exact = e;
    int *m = realloc(t->marked, (t->count + 1) * sizeof *m);
    if (m)
        t->marked = m;
    if (!f || !e || !m)
        return;
    t->folded[t->count] = strdup(folded);
    t->exact[t->count] = strdup(exact);
    t->marked[t->count] = marked;
    if (t->folded[t->count] && t->exact[t->count])
        t->count++;
}

/* A syllable: its folded term, and with marks also its exact term, which
 * ranks passages with exactly that spelling higher (--exact: only those). */
static xc_query *syllable(builder *b, const char *folded, const char *exact, int marked)
{
    if (b->ctx->exact)
        return marked || markable(folded) ? term(b, PREFIX_EXACT, exact) : term(b, "", folded);
    if (!marked)
        return term(b, "", folded);
    return combine2(b, XC_OP_OR, term(b, "", folded), term(b, PREFIX_EXACT, exact));
}

static void qword_free(qword *w)
{
    for (size_t i = 0; i < w->nparts; i++) {
        free(w->folded[i]);
        free(w->exact[i]);
    }
    free(w->joined_folded);
    free(w->joined_exact);
    memset(w, 0, sizeof *w);
}

/* Splits a text chunk into words: a hyphenated run is one word with parts. */
static size_t split_words(const char *text, qword *out, size_t max)
{
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!tok)
        return 0;
    vn_tokenizer_reset(tok, text, strlen(text), 1);
    vn_token t;
    size_t n = 0;
    size_t joined_end = 0;
    while (vn_tokenizer_next(tok, &t)) {
        if (t.kind == VN_TOKEN_NUMPART)
            continue;
        if (t.kind == VN_TOKEN_JOINED) {
            if (n == max)
                break;
            memset(&out[n], 0, sizeof out[n]);
            out[n].joined_folded = strndup(t.folded, t.folded_len);
            out[n].joined_exact = strndup(t.exact, t.exact_len);
            joined_end = t.end;
            n++;
            continue;
        }
        qword *w;
        if (n > 0 && t.start < joined_end) {
            w = &out[n - 1];
        } else {
            if (n == max)
                break;
            w = &out[n++];
            memset(w, 0, sizeof *w);
        }
        if (w->nparts < MAX_PARTS) {
            w->folded[w->nparts] = strndup(t.folded, t.folded_len);
            w->exact[w->nparts] = strndup(t.exact, t.exact_len);
            w->nparts++;
        }
        if (t.exact_len != t.folded_len || memcmp(t.exact, t.folded, t.exact_len) != 0)
            w->marked = 1;
    }
    vn_tokenizer_free(tok);
    return n;
}

static xc_query *plain_word(builder *b, const qword *w)
{
    for (size_t i = 0; i < w->nparts; i++)
        record_term(b, w->folded[i], w->exact[i], strcmp(w->folded[i], w->exact[i]) != 0);
    if (w->nparts == 1 && !w->joined_folded)
        return syllable(b, w->folded[0], w->exact[0], strcmp(w->folded[0], w->exact[0]) != 0);
    /* Cam-pu-chia: the index holds the solid form of every hyphenated word
     * (campuchia) at its first syllable, so one term finds it written
     * either way, with no phrase query */
    if (w->joined_folded)
        return syllable(b, w->joined_folded, w->joined_exact, w->marked);
    xc_query *parts[MAX_PARTS];
    for (size_t i = 0; i < w->nparts; i++)
        parts[i] = syllable(b, w->folded[i], w->exact[i], strcmp(w->folded[i], w->exact[i]) != 0);
    return phrase(b, parts, w->nparts, (unsigned)w->nparts);
}

typedef struct unit {
    xc_query *q;
    const qword *single; /* a one-syllable word, for adjacent-pair phrases */
    int or_of_phrases;   /* a group holding phrases: kept out of the all-words AND */
} unit;

/* Turns a run of plain words into units, matching alias runs first. */
static size_t run_units(builder *b, qword *words, size_t nw, unit *units, size_t max)
{
    const char *keys[QUERY_MAX_WORDS];
    size_t start_of[QUERY_MAX_WORDS + 1];
    size_t nk = 0;
    for (size_t i = 0; i < nw; i++) {
        start_of[i] = nk;
        for (size_t k = 0; k < words[i].nparts && nk < QUERY_MAX_WORDS; k++)
            keys[nk++] = words[i].folded[k];
    }
    start_of[nw] = nk;
    size_t nu = 0;
    for (size_t i = 0; i < nw && nu < max;) {
        alias_match m = {0, ALIAS_GROUP, 0};
        size_t len = b->ctx->aliases ? alias_match_at(b->ctx->aliases, keys, nk, start_of[i], &m) : 0;
        size_t j = i;
        if (len) { /* the match must end where a word ends */
            while (j < nw && start_of[j + 1] <= start_of[i] + len)
                j++;
            if (start_of[j] != start_of[i] + len)
                j = i;
        }
        if (j == i) {
            units[nu].q = plain_word(b, &words[i]);
            units[nu].single = words[i].nparts == 1 && !words[i].joined_folded ? &words[i] : NULL;
            units[nu].or_of_phrases = 0;
            nu++;
            i++;
            continue;
        }
        /* words i..j-1 name an alias: the index term for every spelling of
         * it (see schema.h); no accent restoration for them, the alias
         * already covers every spelling */
        if (m.kind == ALIAS_FRAMEWORK)
            units[nu].q = term(b, PREFIX_MENTION, alias_framework_code(b->ctx->aliases, m.id));
        else
            units[nu].q = term(b, PREFIX_ALIAS, alias_group_key(b->ctx->aliases, m.id));
        units[nu].single = NULL;
        units[nu].or_of_phrases = 0;
        nu++;
        i = j;
    }
    return nu;
}

/* A phrase typed in quotes: its syllables in order; marked syllables must
 * be exact (--exact) or rank higher. */
static xc_query *phrase_query(builder *b, const char *text)
{
    qword words[QUERY_MAX_WORDS / 4];
    size_t nw = split_words(text, words, sizeof words / sizeof words[0]);
    xc_query *parts[QUERY_MAX_WORDS / 4], *exacts[QUERY_MAX_WORDS / 4];
    size_t np = 0, ne = 0;
    for (size_t i = 0; i < nw; i++)
        for (size_t k = 0; k < words[i].nparts && np < sizeof parts / sizeof parts[0]; k++) {
            parts[np++] = term(b, "", words[i].folded[k]);
            int marked = strcmp(words[i].folded[k], words[i].exact[k]) != 0;
            record_term(b, words[i].folded[k], words[i].exact[k], marked);
            if (marked || (b->ctx->exact && markable(words[i].folded[k])))
                exacts[ne++] = term(b, PREFIX_EXACT, words[i].exact[k]);
        }
    for (size_t i = 0; i < nw; i++)
        qword_free(&words[i]);
    if (np == 0)
        return NULL;
    xc_query *ph = phrase(b, parts, np, (unsigned)np);
    if (ne == 0)
        return ph;
    xc_query *ex = combine(b, XC_OP_AND, exacts, ne, 0);
    return combine2(b, b->ctx->exact ? XC_OP_FILTER : XC_OP_AND_MAYBE, ph, ex);
}

/* The terms a prefix* expands to: collected by wildcard_terms(). */
typedef struct wild_term {
    char *term;
    size_t len;
    uint32_t freq;
} wild_term;

typedef struct wild_set {
    wild_term *v;
    size_t n, cap;
    int failed;
} wild_set;

static int collect_wild(void *ctx, const char *term, size_t len, uint32_t freq)
{
    wild_set *w = ctx;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        wild_term *v = realloc(w->v, cap * sizeof *v);
        if (!v) {
            w->failed = 1;
            return 1;
        }
        w->v = v;
        w->cap = cap;
    }
    char *t = malloc(len + 1);
    if (!t) {
        w->failed = 1;
        return 1;
    }
    memcpy(t, term, len);
    t[len] = '\0';
    w->v[w->n++] = (wild_term){t, len, freq};
    return 0;
}

/* Most frequent first; equal frequencies in byte order, so the choice never
 * depends on how the database is split. */
static int cmp_wild(const void *a, const void *b)
{
    const wild_term *x = a, *y = b;
    if (x->freq != y->freq)
        return x->freq > y->freq ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* prefix* as an OR of the WILDCARD_MAX_TERMS most frequent terms that start
 * with it, expanded here over the whole database.  Not Xapian's OP_WILDCARD:
 * Xapian 1.4 expands a wildcard inside each shard (on each xapian-tcpsrv for
 * remote ones), so a capped expansion picks different terms per shard.  And
 * an OR, not the SYNONYM OP_WILDCARD makes: 1.4 weights a synonym with each
 * shard's own statistics, while plain terms get the statistics of the whole
 * database.  Either way a sharded index would rank differently from one
 * database of the same passages (tests/test-shards.py). */
static xc_query *expand_prefix(builder *b, const char *prefix, size_t len)
{
    wild_set w = {NULL, 0, 0, 0};
    if (xc_db_allterms(b->ctx->db, prefix, len, 0, collect_wild, &w) != XC_OK || w.failed) {
        if (!b->failed)
            snprintf(b->err, b->errcap, "cannot expand %.*s*: %s", (int)len, prefix,
                     w.failed ? "out of memory" : xc_errmsg());
        b->failed = 1;
    }
    xc_query *q = NULL;
    if (!b->failed && w.n == 0) {
        q = track(b, xc_query_term(prefix, len, 1)); /* not in the index: matches nothing */
    } else if (!b->failed) {
        qsort(w.v, w.n, sizeof *w.v, cmp_wild);
        size_t k = w.n < WILDCARD_MAX_TERMS ? w.n : WILDCARD_MAX_TERMS;
        xc_query *subs[WILDCARD_MAX_TERMS];
        for (size_t i = 0; i < k; i++)
            subs[i] = track(b, xc_query_term(w.v[i].term, w.v[i].len, 1));
        q = b->failed ? NULL : (k == 1 ? subs[0] : track(b, xc_query_combine(XC_OP_OR, subs, k, 0)));
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].term);
    free(w.v);
    return q;
}

static xc_query *wildcard_query(builder *b, const char *prefix)
{
    char f[VN_KEY_MAX + 8], e[VN_KEY_MAX];
    size_t fl = 0, el = 0;
    if (vn_keys(prefix, strlen(prefix), e, sizeof e, &el, f, sizeof f, &fl) != VN_OK || fl == 0)
        return NULL;
    if (b->ctx->exact && (el != fl || memcmp(e, f, el) != 0)) {
        char buf[VN_KEY_MAX + 8];
        int n = snprintf(buf, sizeof buf, "%s%.*s", PREFIX_EXACT, (int)el, e);
        note(b, &b->q->hl_prefixes, &b->q->nhl_prefixes, buf, (size_t)n);
        return expand_prefix(b, buf, (size_t)n);
    }
    note(b, &b->q->hl_prefixes, &b->q->nhl_prefixes, f, fl);
    return expand_prefix(b, f, fl);
}

static xc_query *build_node(builder *b, const qnode *n, int push, int top);

/* The framework/date filter applied to one branch.
 *
 * Why filters are pushed down into the branches of an OR instead of
 * wrapping it: Xapian 1.4's OrPostList::check() can add the weight of a
 * child whose own check() failed (a phrase whose positions did not match),
 * so an OR holding phrases must never be check()ed, which is what an AND or
 * FILTER above it does.  A top-level OR is only ever advanced with next(),
 * so its branches may each carry the filter; the scores then match between
 * one database and the same passages sharded, and do not depend on -n. */
static xc_query *filtered(builder *b, xc_query *q, int push)
{
    if (!push || !b->filter || !q)
        return q;
    return combine2(b, XC_OP_FILTER, q, b->filter);
}

/* 1 if the subtree holds a phrase (an OR over it must not be check()ed). */
static int has_phrase(const qnode *n)
{
    if (!n)
        return 0;
    if (n->kind == QN_PHRASE)
        return 1;
    for (size_t i = 0; i < n->nkids; i++)
        if (has_phrase(n->kids[i]))
            return 1;
    return 0;
}

/* Keeps a copy of q as the parsed query's strict query (query.h). */
static void set_strict(builder *b, xc_query *q)
{
    xc_query_free(b->q->strict);
    b->q->strict = q && !b->failed ? xc_query_copy(q) : NULL;
}

/* Ranked combination of units: see the comment at the top.  With `pairs`,
 * each pair of adjacent one-syllable words is also handed to the engine as a
 * phrase, which it applies to the best candidates only (search.c); with
 * `push`, every branch carries the filter. */
static xc_query *ranked(builder *b, unit *u, size_t n, int pairs, int push)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (u[i].q)
            u[k++] = u[i];
    n = k;
    if (n == 0)
        return NULL;
    if (n == 1)
        return filtered(b, u[0].q, push);
    xc_query **subs = calloc(2 * n + 2, sizeof *subs);
    xc_query **all = calloc(n + 1, sizeof *all);
    if (!subs || !all) {
        free(subs);
        free(all);
        b->failed = 1;
        return NULL;
    }
    size_t ns = 0, na = 0;
    for (size_t i = 0; i < n; i++) {
        subs[ns++] = filtered(b, u[i].q, push);
        if (!u[i].or_of_phrases)
            all[na++] = u[i].q;
    }
    for (size_t i = 0; pairs && i + 1 < n; i++)
        if (u[i].single && u[i + 1].single && b->q->npairs < QUERY_MAX_PAIRS) {
            xc_query *pair[2] = {term(b, "", u[i].single->folded[0]), term(b, "", u[i + 1].single->folded[0])};
            xc_query *ph = phrase(b, pair, 2, 2);
            if (ph)
                b->q->pairs[b->q->npairs++] = xc_query_copy(ph);
        }
    xc_query *every = combine(b, XC_OP_AND, all, na, 0);
    if (every && na > 1) {
        /* The top-level list, every unit required for the bonus: the
         * all-words query is their AND, which weighs a passage holding them
         * all as the OR does, and reads each posting list once. */
        if (pairs && na == n)
            set_strict(b, filtered(b, every, push));
        xc_query *bonus = combine2(b, XC_OP_AND, track(b, xc_query_fixed_weight(QUERY_ALL_WORDS_BONUS)),
                                   track(b, xc_query_scale(every, 0.0)));
        subs[ns++] = filtered(b, bonus, push);
    }
    xc_query *q = combine(b, XC_OP_OR, subs, ns, 0);
    free(subs);
    free(all);
    return q;
}

static xc_query *build_seq(builder *b, const qnode *n, int push, int top)
{
    /* One unit per plain word at most (one kid can hold many: a.b.c.d) and
     * one per other kid. */
    size_t units_cap = QUERY_MAX_WORDS + n->nkids;
    unit *units = calloc(units_cap + 1, sizeof *units);
    xc_query **req = calloc(n->nkids + 1, sizeof *req);
    xc_query **excl = calloc(n->nkids + 1, sizeof *excl);
    qword *words = calloc(QUERY_MAX_WORDS, sizeof *words);
    if (!units || !req || !excl || !words) {
        free(units);
        free(req);
        free(excl);
        free(words);
        b->failed = 1;
        return NULL;
    }
    /* words stay alive until ranked() has read them (units point at them) */
    size_t nu = 0, nr = 0, ne = 0, nw = 0, run = 0;
    for (size_t i = 0; i <= n->nkids && !b->failed; i++) {
        const qnode *k = i < n->nkids ? n->kids[i] : NULL;
        int plain = k && k->kind == QN_TEXT && k->sign == 0 && !n->strict;
        if (plain) {
            nw += split_words(k->text, words + nw, QUERY_MAX_WORDS - nw);
            continue;
        }
        if (nw > run) { /* close the run of plain words */
            nu += run_units(b, words + run, nw - run, units + nu, units_cap - nu);
            run = nw;
        }
        if (!k)
            break;
        xc_query *q = build_node(b, k, 0, 0);
        if (!q)
            continue;
        if (k->sign < 0)
            excl[ne++] = q;
        else if (k->sign > 0 || n->strict)
            req[nr++] = q;
        else
            units[nu++] = (unit){q, NULL, (k->kind == QN_OR || k->kind == QN_SEQ) && has_phrase(k)};
    }
    xc_query *q;
    if (nr == 0) {
        q = ranked(b, units, nu, top, push);
    } else {
        xc_query *must = combine(b, XC_OP_AND, req, nr, 0);
        xc_query *opt = ranked(b, units, nu, 0, 0);
        q = filtered(b, opt ? combine2(b, XC_OP_AND_MAYBE, must, opt) : must, push);
    }
    if (q && ne) {
        xc_query *no = combine(b, XC_OP_OR, excl, ne, 0);
        q = combine2(b, XC_OP_AND_NOT, q, no);
        if (top && b->q->strict)
            set_strict(b, combine2(b, XC_OP_AND_NOT, b->q->strict, no));
    }
    for (size_t w = 0; w < nw; w++)
        qword_free(&words[w]);
    free(units);
    free(req);
    free(excl);
    free(words);
    return q;
}

static xc_query *build_node(builder *b, const qnode *n, int push, int top)
{
    if (!n || b->failed)
        return NULL;
    switch (n->kind) {
    case QN_TEXT: {
        qword words[MAX_PARTS];
        size_t nw = split_words(n->text, words, MAX_PARTS);
        unit units[MAX_PARTS];
        size_t nu = run_units(b, words, nw, units, MAX_PARTS);
        for (size_t i = 0; i < nw; i++)
            qword_free(&words[i]);
        xc_query *qs[MAX_PARTS];
        for (size_t i = 0; i < nu; i++)
            qs[i] = units[i].q;
        return filtered(b, combine(b, XC_OP_AND, qs, nu, 0), push);
    }
    case QN_PHRASE:
        return filtered(b, phrase_query(b, n->text), push);
    case QN_WILDCARD:
        return filtered(b, wildcard_query(b, n->text), push);
    case QN_SEQ:
        return build_seq(b, n, push, top);
    case QN_OR: {
        xc_query **subs = calloc(n->nkids + 1, sizeof *subs);
        if (!subs)
            return NULL;
        for (size_t i = 0; i < n->nkids; i++)
            subs[i] = build_node(b, n->kids[i], push, 0);
        xc_query *q = combine(b, XC_OP_OR, subs, n->nkids, 0);
        free(subs);
        return q;
    }
    }
    return NULL;
}

xc_query *query_build(const parsed_query *q, const query_context *ctx, const xc_query *filter, int *empty, char *err,
                      size_t cap)
{
    *empty = 0;
    builder b;
    memset(&b, 0, sizeof b);
    b.ctx = ctx;
    b.q = (parsed_query *)q;
    b.err = err;
    b.errcap = cap;
    b.filter = filter ? track(&b, xc_query_copy(filter)) : NULL;
    terms_free(&b.q->terms);
    hl_free(b.q);
    for (size_t i = 0; i < b.q->npairs; i++)
        xc_query_free(b.q->pairs[i]);
    b.q->npairs = 0;
    set_strict(&b, NULL);
    xc_query *result = q->root ? build_node(&b, q->root, 1, 1) : NULL;
    xc_query *copy = NULL;
    if (result && !b.failed)
        copy = xc_query_copy(result);
    for (size_t i = 0; i < b.nmade; i++)
        xc_query_free(b.made[i]);
    free(b.made);
    if (b.failed) {
        set_strict(&b, NULL);
        xc_query_free(copy);
        if (!err[0])
            snprintf(err, cap, "cannot build query: out of memory");
        return NULL;
    }
    if (!copy)
        *empty = 1;
    return copy;
}

xc_query *query_framework_filter(char *const *codes, size_t n)
{
    if (n == 0)
        return NULL;
    xc_query **subs = calloc(n, sizeof *subs);
    if (!subs)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char t[128];
        int len = snprintf(t, sizeof t, "%s%s", PREFIX_FRAMEWORK, codes[i]);
        if (len < 0 || (size_t)len >= sizeof t) /* a code that long matches nothing, cut or not */
            len = len < 0 ? 0 : (int)sizeof t - 1;
        for (char *c = t + strlen(PREFIX_FRAMEWORK); *c; c++)
            *c = (char)toupper((unsigned char)*c);
        subs[i] = xc_query_term(t, (size_t)len, 1);
    }
    xc_query *q = xc_query_combine(XC_OP_OR, subs, n, 0);
    for (size_t i = 0; i < n; i++)
        xc_query_free(subs[i]);
    free(subs);
    return q;
}

/* Collecting the date terms a range covers (see schema.h). */
typedef struct date_collect {
    uint32_t from, to;
    size_t plen;
    char kind; /* 'Y', 'M', 'D', 'P' */
    xc_query **terms;
    size_t n, cap;
    int failed;
} date_collect;

static int collect_date_term(void *ctx, const char *t, size_t len, uint32_t freq)
{
    (void)freq;
    date_collect *c = ctx;
    const char *v = t + c->plen;
    size_t vl = len - c->plen;
    char buf[16];
    if (vl >= sizeof buf)
        return 0;
    memcpy(buf, v, vl);
    buf[vl] = '\0';
    for (size_t i = 0; i < vl; i++)
        if (!isdigit((unsigned char)buf[i]))
            return 0;
    unsigned long x = strtoul(buf, NULL, 10);
    uint32_t lo, hi;
    int inside_parent = 0;
    switch (c->kind) {
    case 'Y':
        if (vl != 4)
            return 0;
        lo = (uint32_t)x * 10000 + 101;
        hi = (uint32_t)x * 10000 + 1231;
        break;
    case 'M':
        if (vl != 6)
            return 0;
        lo = (uint32_t)x * 100 + 1;
        hi = (uint32_t)x * 100 + 31;
        /* whole year already covered by its Y term */
        inside_parent = (uint32_t)(x / 100) * 10000 + 101 >= c->from && (uint32_t)(x / 100) * 10000 + 1231 <= c->to;
        break;
    case 'D':
        if (vl != 8)
            return 0;
        lo = hi = (uint32_t)x;
        inside_parent = (uint32_t)(x / 100) * 100 + 1 >= c->from && (uint32_t)(x / 100) * 100 + 31 <= c->to;
        break;
    default: /* P: YYYYYYYY */
        if (vl != 8)
            return 0;
        lo = (uint32_t)(x / 10000) * 10000 + 101;
        hi = (uint32_t)(x % 10000) * 10000 + 1231;
        break;
    }
    if (c->kind == 'M' && hi > c->to) { /* months are shorter than 31 days: check the real last day */
        int y = (int)(x / 100), m = (int)(x % 100), d = 31;
        while (d > 28 && !date_valid(y, m, d))
            d--;
        hi = (uint32_t)(y * 10000 + m * 100 + d);
    }
    if (lo < c->from || hi > c->to || inside_parent)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        xc_query **p = realloc(c->terms, cap * sizeof *p);
        if (!p) {
            c->failed = 1;
            return 1;
        }
        c->terms = p;
        c->cap = cap;
    }
    xc_query *q = xc_query_term(t, len, 1);
    if (!q) {
        c->failed = 1;
        return 1;
    }
    c->terms[c->n++] = q;
    return 0;
}

xc_query *query_date_filter(xc_db *db, uint32_t from, uint32_t to, int *impossible, char *err, size_t cap)
{
    *impossible = 0;
    date_collect c;
    memset(&c, 0, sizeof c);
    c.from = from ? from : 10000101;
    c.to = to ? to : 99991231;
    static const struct { const char *prefix; char kind; } kinds[] = {
        {PREFIX_YEAR, 'Y'}, {PREFIX_MONTH, 'M'}, {PREFIX_DAY, 'D'}, {PREFIX_PERIOD, 'P'}};
    for (size_t k = 0; k < 4 && !c.failed; k++) {
        c.kind = kinds[k].kind;
        c.plen = strlen(kinds[k].prefix);
        if (xc_db_allterms(db, kinds[k].prefix, c.plen, 0, collect_date_term, &c) != XC_OK) {
            snprintf(err, cap, "cannot read dates: %s", xc_errmsg());
            c.failed = 1;
        }
    }
    xc_query *q = NULL;
    if (!c.failed && c.n == 0)
        *impossible = 1;
    else if (!c.failed)
        q = xc_query_combine(XC_OP_OR, c.terms, c.n, 0);
    for (size_t i = 0; i < c.n; i++)
        xc_query_free(c.terms[i]);
    free(c.terms);
    if (c.failed && !err[0])
        snprintf(err, cap, "out of memory");
    return q;
}
