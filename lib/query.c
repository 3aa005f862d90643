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
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "schema.h"
#include "vnsearch.h"
#include "vntext.h"

/* the engine's messages, in the programs' catalogue (po/) */
#define _(s) dgettext(VS_TEXTDOMAIN, s)



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
    int unbalanced; /* the failure was an unbalanced parenthesis or quote */
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
            lx->unbalanced |= !lx->failed;
            lex_error(lx, _("unbalanced quote: a phrase opened with \" is never closed"));
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
        snprintf(msg, sizeof msg, _("query too long: more than %d words"), QUERY_MAX_WORDS);
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
                 _("bad date '%s': expected YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY (years %d-%d), or a range "
                   "FROM..TO"),
                 v,
                 DATE_YEAR_MIN, DATE_YEAR_MAX);
        lex_error(&p->lx, msg);
        return -1;
    }
    if (from && to && from > to) {
        char msg[160];
        snprintf(msg, sizeof msg, _("impossible date range '%s': it ends before it starts"), v);
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
                lex_error(&p->lx, _("too many framework: filters"));
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
            lex_error(lx, _("query nested too deeply in parentheses"));
            return NULL;
        }
        next(lx);
        qnode *inner = parse_or(p, depth + 1);
        if (lx->type != T_RPAREN) {
            node_free(inner);
            lx->unbalanced |= !lx->failed;
            lex_error(lx, _("unbalanced parenthesis: a ( is never closed"));
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
                snprintf(msg, sizeof msg, _("query too long: more than %d prefix* words"), QUERY_MAX_WILDCARDS);
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

/* The text with every parenthesis and quote that has no partner blanked
 * (the lexer's pairing: a quote opens a phrase that the next quote of any
 * kind closes, parentheses outside phrases nest), so a pasted line reads as
 * the words it holds.  NULL when out of memory. */
static char *blank_unbalanced(const char *text, size_t n)
{
    char *s = malloc(n + 1);
    size_t *open = malloc((n + 1) * sizeof *open);
    if (!s || !open) {
        free(s);
        free(open);
        return NULL;
    }
    memcpy(s, text, n + 1);
    lexer lx = {.s = text, .n = n};
    size_t nopen = 0, q, close = 0;
    for (size_t i = 0; i < n;) {
        if ((q = quote_at(&lx, i, 0)) || (q = quote_at(&lx, i, 1))) {
            size_t j = i + q;
            while (j < n && !(close = quote_at(&lx, j, 1)) && !(close = quote_at(&lx, j, 0)))
                j++;
            if (j < n) {
                i = j + close;
                continue;
            }
            memset(s + i, ' ', q);
            i += q;
            continue;
        }
        if (text[i] == '(') {
            open[nopen++] = i;
        } else if (text[i] == ')') {
            if (nopen)
                nopen--;
            else
                s[i] = ' ';
        }
        i++;
    }
    while (nopen)
        s[open[--nopen]] = ' ';
    free(open);
    return s;
}

static int parse_text(const char *text, size_t n, parsed_query *out, char *err, size_t cap, int *unbalanced);

int query_parse(const char *text, parsed_query *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(text);
    if (n > QUERY_MAX_BYTES) {
        snprintf(err, cap, _("query too long: %zu bytes (at most %d)"), n, QUERY_MAX_BYTES);
        return -1;
    }
    int unbalanced = 0;
    int rc = parse_text(text, n, out, err, cap, &unbalanced);
    if (rc == 0 || !unbalanced)
        return rc;
    char *blanked = blank_unbalanced(text, n);
    if (!blanked) {
        snprintf(err, cap, "%s", _("out of memory"));
        return -1;
    }
    rc = parse_text(blanked, n, out, err, cap, &unbalanced);
    free(blanked);
    if (rc == 0)
        out->forgiven = 1;
    return rc;
}

static int parse_text(const char *text, size_t n, parsed_query *out, char *err, size_t cap, int *unbalanced)
{
    memset(out, 0, sizeof *out);
    parser p;
    memset(&p, 0, sizeof p);
    p.q = out;
    p.lx.s = text;
    p.lx.n = n;
    p.lx.err = err;
    p.lx.errcap = cap;
    next(&p.lx);
    qnode *root = parse_or(&p, 0);
    if (!p.lx.failed && p.lx.type == T_RPAREN) {
        p.lx.unbalanced = 1;
        lex_error(&p.lx, _("unbalanced parenthesis: a ) has no matching ("));
    }
    free(p.lx.text);
    *unbalanced = p.lx.unbalanced;
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

void query_free(parsed_query *q)
{
    node_free(q->root);
    for (size_t i = 0; i < q->nframeworks; i++)
        free(q->frameworks[i]);
    memset(q, 0, sizeof *q);
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

xc_query *query_date_filter(xc_db *db, uint32_t from, uint32_t to, int inherited, int *impossible, char *err,
                             size_t cap)
{
    *impossible = 0;
    date_collect c;
    memset(&c, 0, sizeof c);
    c.from = from ? from : 10000101;
    c.to = to ? to : 99991231;
    static const struct { const char *prefix; char kind; } kinds[] = {
        {PREFIX_YEAR, 'Y'}, {PREFIX_MONTH, 'M'}, {PREFIX_DAY, 'D'}, {PREFIX_PERIOD, 'P'}};
    for (size_t k = 0; k < 4 && !c.failed; k++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%s%s", inherited ? PREFIX_INHERITED : "", kinds[k].prefix);
        c.kind = kinds[k].kind;
        c.plen = strlen(prefix);
        /* A month counts only in a year the range does not hold whole, and a
         * day only in such a month (collect_date_term): so only the months
         * of the years of `from` and `to`, and the days of their months, are
         * read, not every day of the index (11,000 terms at 200 MB, 0.4 s
         * through a remote shard). */
        uint32_t sub[2] = {0, 0};
        size_t nsub = 1, width = 0;
        if (c.kind == 'M' || c.kind == 'D') {
            uint32_t div = c.kind == 'M' ? 10000 : 100;
            width = c.kind == 'M' ? 4 : 6;
            sub[0] = c.from / div;
            sub[1] = c.to / div;
            nsub = sub[1] != sub[0] ? 2 : 1;
        }
        for (size_t i = 0; i < nsub && !c.failed; i++) {
            char narrow[32];
            int n = width ? snprintf(narrow, sizeof narrow, "%s%0*u", prefix, (int)width, (unsigned)sub[i])
                          : snprintf(narrow, sizeof narrow, "%s", prefix);
            if (n < 0 || (size_t)n >= sizeof narrow ||
                xc_db_allterms(db, narrow, (size_t)n, 0, collect_date_term, &c) != XC_OK) {
                snprintf(err, cap, "cannot read dates: %s", xc_errmsg());
                c.failed = 1;
            }
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
        snprintf(err, cap, "%s", _("out of memory"));
    return q;
}
