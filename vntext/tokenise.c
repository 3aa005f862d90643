/*
 * The tokeniser: a UTF-8 buffer -> Vietnamese syllables, numbers, acronyms
 * and the joined forms of hyphenated transliterations, with byte offsets and
 * term positions.
 *
 * The text is read one "segment" at a time: a run of word characters glued
 * together by joiners with no space around them (Cam-pu-chia, 27/11/2019,
 * GMS-2030, 10.47).  A segment is split into units; each unit is one token,
 * and a hyphenated run of units also yields its joined form at the position
 * of its first unit, so that "Campuchia" finds "Cam-pu-chia" while the phrase
 * "cam pu chia" still matches the parts.  Numbers keep their inner
 * punctuation; dates and ranges (27/11/2019, 2024-2026) also yield their
 * numeric parts at the same position, so "2019" finds them.
 *
 * En and em dashes, typographic quotes and spaced hyphens separate tokens.
 */
#include "vntext.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "letters.h"

enum cclass { C_SEP = 0, C_LETTER, C_DIGIT, C_MARK, C_HYPHEN, C_NUMJOIN /* . , / */ };

#define MAX_UNITS 16    /* units per segment; longer runs continue in the next */
#define MAX_QUEUE (MAX_UNITS * 6)
#define ARENA_BYTES (MAX_QUEUE * 2 * 200 + 2 * MAX_UNITS * VN_KEY_MAX)

static const uint8_t ascii_class[128] = {
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
    ['-'] = C_HYPHEN, ['.'] = C_NUMJOIN, [','] = C_NUMJOIN, ['/'] = C_NUMJOIN,
#define L(c) [c] = C_LETTER, [c - 'a' + 'A'] = C_LETTER
    L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'), L('i'), L('j'), L('k'), L('l'), L('m'),
    L('n'), L('o'), L('p'), L('q'), L('r'), L('s'), L('t'), L('u'), L('v'), L('w'), L('x'), L('y'), L('z'),
#undef L
};

typedef struct unit {
    size_t start, end;
    int all_digits;   /* digits and number punctuation only */
    int split_number; /* a number with / or - inside: emit its parts */
} unit;

struct vn_tokenizer {
    const unsigned char *buf;
    size_t len, off;
    uint32_t pos; /* position of the next main token */
    vn_token queue[MAX_QUEUE];
    size_t qhead, qlen;
    size_t arena_used;
    char arena[ARENA_BYTES];
};

vn_tokenizer *vn_tokenizer_new(void)
{
    /* malloc, not calloc: the queue and arena are large and written before
     * they are read, and callers create tokenisers per passage or per hit */
    vn_tokenizer *tok = malloc(sizeof *tok);
    if (tok)
        vn_tokenizer_reset(tok, NULL, 0, 1);
    return tok;
}

void vn_tokenizer_free(vn_tokenizer *tok)
{
    free(tok);
}

void vn_tokenizer_reset(vn_tokenizer *tok, const char *buf, size_t len, uint32_t first_pos)
{
    vn_letters_ensure();
    tok->buf = (const unsigned char *)buf;
    tok->len = buf ? len : 0;
    tok->off = 0;
    tok->pos = first_pos;
    tok->qhead = tok->qlen = 0;
}

uint32_t vn_tokenizer_next_pos(const vn_tokenizer *tok)
{
    return tok->pos;
}

/* Class of the character at off; its code point length in *clen (1 for an
 * invalid byte, which is a separator). */
static inline enum cclass class_at(const vn_tokenizer *tok, size_t off, int *clen)
{
    unsigned char c = tok->buf[off];
    if (c < 0x80) {
        *clen = 1;
        return (enum cclass)ascii_class[c];
    }
    uint32_t cp;
    int n = vn_utf8_decode(tok->buf + off, tok->len - off, &cp);
    if (n == 0) {
        *clen = 1;
        return C_SEP;
    }
    *clen = n;
    if (vn_letter_of(cp)->base)
        return C_LETTER;
    if (cp == 0x2010 || cp == 0x2011)
        return C_HYPHEN;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return C_LETTER;
    case UTF8PROC_CATEGORY_ND:
        return C_LETTER; /* non-ASCII digits are kept inside words, not parsed as numbers */
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
        return C_MARK;
    default:
        return C_SEP;
    }
}

static int is_word_class(enum cclass c)
{
    return c == C_LETTER || c == C_DIGIT || c == C_MARK;
}

static char *arena_put(vn_tokenizer *tok, size_t need)
{
    if (tok->arena_used + need > sizeof tok->arena)
        return NULL;
    char *p = tok->arena + tok->arena_used;
    tok->arena_used += need;
    return p;
}

/* Queues one token for bytes [start, end) with keys computed from `text`. */
static void push(vn_tokenizer *tok, const char *text, size_t tlen, size_t start, size_t end, uint32_t pos,
                 vn_token_kind kind)
{
    if (tok->qlen == MAX_QUEUE || tlen == 0)
        return;
    size_t cap = tlen * 3 + 8;
    char *e = arena_put(tok, cap), *f = arena_put(tok, cap);
    if (!e || !f)
        return;
    size_t el, fl;
    if (vn_keys(text, tlen, e, cap, &el, f, cap, &fl) != VN_OK || el == 0)
        return;
    tok->queue[tok->qlen++] = (vn_token){e, el, f, fl, start, end, pos, kind};
}

/* Queues the parts of a number such as 27/11/2019 or 2024-2026. */
static void push_number_parts(vn_tokenizer *tok, const unit *u, uint32_t pos)
{
    size_t s = u->start;
    for (size_t i = u->start; i <= u->end; i++) {
        if (i == u->end || tok->buf[i] == '/' || tok->buf[i] == '-') {
            if (i > s)
                push(tok, (const char *)tok->buf + s, i - s, s, i, pos, VN_TOKEN_NUMPART);
            s = i + 1;
        }
    }
}

/* Queues a joined form: the units' keys concatenated (each unit keeps its own
 * tone placement, which is decided per syllable). */
static void push_joined(vn_tokenizer *tok, const unit *units, size_t first, size_t last, uint32_t pos)
{
    size_t el = 0, fl = 0;
    size_t cap = 0;
    for (size_t k = first; k <= last; k++)
        cap += (units[k].end - units[k].start) * 3 + 8;
    char *e = arena_put(tok, cap), *f = arena_put(tok, cap);
    if (!e || !f || tok->qlen == MAX_QUEUE)
        return;
    for (size_t k = first; k <= last; k++) {
        size_t a, b;
        if (vn_keys((const char *)tok->buf + units[k].start, units[k].end - units[k].start, e + el, cap - el, &a,
                    f + fl, cap - fl, &b) != VN_OK)
            return;
        el += a;
        fl += b;
    }
    tok->queue[tok->qlen++] =
        (vn_token){e, el, f, fl, units[first].start, units[last].end, pos, VN_TOKEN_JOINED};
}

/* Reads the next segment into units and queues its tokens.  Returns 0 at
 * the end of the buffer. */
static int fill(vn_tokenizer *tok)
{
    tok->qhead = tok->qlen = 0;
    tok->arena_used = 0;
    int clen;
    enum cclass c;
    /* Skip separators, and marks with no letter to sit on. */
    while (tok->off < tok->len) {
        c = class_at(tok, tok->off, &clen);
        if (c == C_LETTER || c == C_DIGIT)
            break;
        tok->off += (size_t)clen;
    }
    if (tok->off >= tok->len)
        return 0;

    unit units[MAX_UNITS];
    char joiner[MAX_UNITS]; /* joiner after unit k: '-', '.', or 0 */
    size_t n = 0;
    size_t off = tok->off;
    while (n < MAX_UNITS) {
        unit u = {off, off, 1, 0};
        while (off < tok->len) {
            c = class_at(tok, off, &clen);
            if (!is_word_class(c))
                break;
            if (off + (size_t)clen - u.start > VN_TOKEN_MAX_BYTES)
                break;
            if (c != C_DIGIT)
                u.all_digits = 0;
            off += (size_t)clen;
        }
        u.end = off;
        units[n] = u;
        joiner[n] = 0;
        n++;
        if (off >= tok->len)
            break;
        c = class_at(tok, off, &clen);
        if (c != C_HYPHEN && c != C_NUMJOIN)
            break;
        int nlen;
        if (off + (size_t)clen >= tok->len)
            break;
        enum cclass after = class_at(tok, off + (size_t)clen, &nlen);
        if (after != C_LETTER && after != C_DIGIT)
            break;
        joiner[n - 1] = c == C_HYPHEN ? '-' : '.';
        off += (size_t)clen;
    }
    tok->off = off;

    /* Numbers swallow the joiners between their digit groups. */
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (m > 0 && units[m - 1].all_digits && units[k].all_digits && joiner[m - 1] &&
            units[k].start - units[m - 1].end <= 3) {
            char j = (char)tok->buf[units[m - 1].end];
            if (j == '/' || j == '-' || (unsigned char)j >= 0x80)
                units[m - 1].split_number = 1;
            units[m - 1].end = units[k].end;
            joiner[m - 1] = joiner[k];
            continue;
        }
        units[m] = units[k];
        joiner[m] = joiner[k];
        m++;
    }
    n = m;

    for (size_t k = 0; k < n;) {
        size_t last = k;
        while (last + 1 < n && joiner[last] == '-')
            last++;
        uint32_t first_pos = tok->pos;
        if (last > k)
            push_joined(tok, units, k, last, first_pos);
        for (size_t u = k; u <= last; u++) {
            const unit *un = &units[u];
            push(tok, (const char *)tok->buf + un->start, un->end - un->start, un->start, un->end, tok->pos,
                 un->all_digits ? VN_TOKEN_NUMBER : VN_TOKEN_WORD);
            if (un->all_digits && un->split_number)
                push_number_parts(tok, un, tok->pos);
            tok->pos++;
        }
        k = last + 1;
    }
    return 1;
}

int vn_tokenizer_next(vn_tokenizer *tok, vn_token *out)
{
    while (tok->qhead == tok->qlen) {
        if (!fill(tok))
            return 0;
    }
    *out = tok->queue[tok->qhead++];
    return 1;
}

int vn_glued(const char *text, size_t a, size_t b)
{
    if (b <= a)
        return 0;
    const unsigned char *t = (const unsigned char *)text;
    if (b - a == 1 && (t[a] == '-' || t[a] == '_')) /* TÙY_CHỌN, as man pages write placeholders */
        return 1;
    if (b - a == 3 && t[a] == 0xE2 && t[a + 1] == 0x80 && (t[a + 2] == 0x90 || t[a + 2] == 0x91))
        return 1; /* U+2010, U+2011: the hyphens the tokeniser joins on */
    for (size_t i = a; i < b; i++) {
        if (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')
            continue;
        if (t[i] == 0xC2 && i + 1 < b && t[i + 1] == 0xA0) { /* no-break space, as Word writes them */
            i++;
            continue;
        }
        return 0;
    }
    return 1;
}

int vn_adjacent(const char *text, size_t a, size_t b)
{
    if (b <= a) /* a word cut at VN_TOKEN_MAX_BYTES: its pieces are not a pair */
        return 0;
    int newlines = 0;
    for (size_t i = a; i < b; i++) {
        if (text[i] == '\n') {
            if (++newlines == 2)
                return 0;
        } else if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r') {
            newlines = 0;
        }
    }
    return 1;
}
