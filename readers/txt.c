/*
 * .txt -> blocks: plain text, and above all the text exports of Word and
 * PDF files the analysts' folders are full of.
 *
 * The bytes are decoded first (vntext: UTF-8, UTF-16, CP1258, VISCII, TCVN3,
 * VNI-Windows; every repair becomes a warning).  Then the export's
 * conventions are read back into structure: hard-wrapped lines are
 * rejoined, [bookmark: ...] and [footnoteRef:N] markers stripped, inline
 * footnote bodies "[N:  text]" (which may run over several lines) become
 * note blocks cited by the paragraph that carried the reference,
 * capitalised lines are top headings, numbered or "- X:" short lines
 * sub-headings, lines of dashes section breaks, and an indented paragraph
 * is flagged as one that may open an untitled section.
 *
 * Two passes, as the rules need: the first cleans every line (markers out,
 * note bodies aside, references remembered), the second classifies the
 * clean lines with one line of lookahead and assembles paragraphs.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"
#include "vntext.h"

/* A line longer than this with no break is worth a warning: its passages
 * will all carry one line number. */
#define TXT_LONG_LINE 16384

typedef struct clean_line {
    size_t start, len;   /* into the clean buffer, trimmed */
    int indented;        /* the raw line began with a space or tab */
    int refs_start, refs_count; /* footnote numbers cited, in the refs array */
} clean_line;

typedef struct note {
    int number;
    size_t line, end_line;
    rd_buf text;
    long owner;          /* the paragraph (item) it belongs to, or -1 */
    int by_ref;          /* owned through its [footnoteRef:N] in the owner (which cites it so) */
    int emitted;
} note;

typedef struct splitter {
    rd_buf clean;         /* all clean lines, back to back */
    clean_line *lines;
    size_t nlines, lines_cap;
    int *refs;
    size_t nrefs, refs_cap;
    note *notes;
    size_t nnotes, notes_cap;
    note *open_note;      /* a footnote body still waiting for its ']' */
    int note_depth;
    int failed;
} splitter;

#define GROW(arr, n, cap, failed)                                                                            \
    do {                                                                                                     \
        if ((n) == (cap)) {                                                                                  \
            size_t nc_ = (cap) ? (cap) * 2 : 64;                                                             \
            void *p_ = realloc((arr), nc_ * sizeof *(arr));                                                  \
            if (!p_) {                                                                                       \
                (failed) = 1;                                                                                \
                break;                                                                                       \
            }                                                                                                \
            (arr) = p_;                                                                                      \
            (cap) = nc_;                                                                                     \
        }                                                                                                    \
    } while (0)

/* ------------------------------------------------------------- pass one */

static int starts_with(const char *s, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    return n >= pl && memcmp(s, prefix, pl) == 0;
}

/* Parses "[footnoteRef:12]" style markers at s; returns the marker's length
 * and the number in *num, or 0. */
static size_t ref_marker(const char *s, size_t n, int *num)
{
    size_t i;
    if (starts_with(s, n, "[footnoteRef:"))
        i = 13;
    else if (starts_with(s, n, "[endnoteRef:"))
        i = 12;
    else
        return 0;
    int v = 0;
    size_t d = i;
    while (i < n && isdigit((unsigned char)s[i]) && i - d < 6)
        v = v * 10 + (s[i++] - '0');
    if (i == d || i >= n || s[i] != ']')
        return 0;
    *num = v;
    return i + 1;
}

/* "[bookmark: ...]": returns its length, or 0. */
static size_t bookmark_marker(const char *s, size_t n, int *toc)
{
    if (!starts_with(s, n, "[bookmark:"))
        return 0;
    const char *end = memchr(s, ']', n);
    if (!end)
        return 0;
    size_t len = (size_t)(end - s) + 1;
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(s + i, "_Toc", 4) == 0)
            *toc = 1;
    return len;
}

/* The start of an inline footnote body, "[12:  text": returns the length of
 * "[12:" and the number, or 0. */
static size_t note_start(const char *s, size_t n, int *num)
{
    if (n < 4 || s[0] != '[')
        return 0;
    size_t i = 1;
    int v = 0;
    while (i < n && isdigit((unsigned char)s[i]) && i < 6)
        v = v * 10 + (s[i++] - '0');
    /* No footnote is numbered 0, and a body numbered 0 would look like a
     * paragraph (passage.note == 0) with the citing paragraph's id. */
    if (i == 1 || v == 0 || i + 1 >= n || s[i] != ':' || (s[i + 1] != ' ' && s[i + 1] != '\t'))
        return 0;
    *num = v;
    return i + 1;
}

static void clean_one_line(splitter *sp, const char *raw, size_t n, size_t lineno)
{
    GROW(sp->lines, sp->nlines, sp->lines_cap, sp->failed);
    if (sp->failed)
        return;
    clean_line *cl = &sp->lines[sp->nlines++];
    memset(cl, 0, sizeof *cl);
    int toc = 0; /* a table-of-contents bookmark: nothing to keep */
    cl->indented = n > 0 && (raw[0] == ' ' || raw[0] == '\t');
    cl->refs_start = (int)sp->nrefs;
    size_t start = sp->clean.len;

    for (size_t i = 0; i < n;) {
        int num = 0;
        size_t m;
        if (raw[i] == '[') {
            if ((m = bookmark_marker(raw + i, n - i, &toc))) {
                i += m;
                continue;
            }
            if ((m = ref_marker(raw + i, n - i, &num))) {
                if (!sp->open_note) {
                    GROW(sp->refs, sp->nrefs, sp->refs_cap, sp->failed);
                    if (sp->failed)
                        return;
                    sp->refs[sp->nrefs++] = num;
                    cl->refs_count++;
                }
                i += m;
                continue;
            }
            if (!sp->open_note && (m = note_start(raw + i, n - i, &num))) {
                GROW(sp->notes, sp->nnotes, sp->notes_cap, sp->failed);
                if (sp->failed)
                    return;
                note *nt = &sp->notes[sp->nnotes++];
                *nt = (note){num, lineno, lineno, {0}, -1, 0};
                sp->open_note = nt;
                sp->note_depth = 0;
                i += m;
                continue;
            }
        }
        if (sp->open_note) {
            if (raw[i] == '[') {
                sp->note_depth++;
            } else if (raw[i] == ']') {
                if (sp->note_depth == 0) {
                    sp->open_note->end_line = lineno;
                    sp->open_note = NULL;
                    i++;
                    continue;
                }
                sp->note_depth--;
            }
            /* the run up to the next bracket goes in whole */
            size_t j = i + 1;
            while (j < n && raw[j] != '[' && raw[j] != ']')
                j++;
            rd_buf_append(&sp->open_note->text, raw + i, j - i);
            i = j;
            continue;
        }
        const char *next = memchr(raw + i + 1, '[', n - i - 1);
        size_t j = next ? (size_t)(next - raw) : n;
        rd_buf_append(&sp->clean, raw + i, j - i);
        i = j;
    }
    if (sp->open_note) { /* the body goes on over the next line */
        rd_buf_putc(&sp->open_note->text, ' ');
        sp->open_note->end_line = lineno;
    }
    /* trim */
    const char *c = sp->clean.s ? sp->clean.s : "";
    size_t a = start, b = sp->clean.len;
    while (a < b && (c[a] == ' ' || c[a] == '\t' || c[a] == '\f' || c[a] == '\v'))
        a++;
    while (b > a && (c[b - 1] == ' ' || c[b - 1] == '\t' || c[b - 1] == '\f' || c[b - 1] == '\v'))
        b--;
    /* NBSP (C2 A0) at either end counts as space too */
    while (b - a >= 2 && (unsigned char)c[a] == 0xC2 && (unsigned char)c[a + 1] == 0xA0)
        a += 2;
    while (b - a >= 2 && (unsigned char)c[b - 2] == 0xC2 && (unsigned char)c[b - 1] == 0xA0)
        b -= 2;
    cl->start = a;
    cl->len = b - a;
    (void)toc;
    if (sp->clean.failed || sp->failed)
        sp->failed = 1;
}

/* ------------------------------------------------------------- pass two */

enum line_kind { L_BLANK, L_SEPARATOR, L_TOP, L_SUB, L_CONTENT };

typedef struct line_facts {
    size_t words;
    size_t upper, lower;
    int numbered;     /* 1. / 2.1. / II. / iv. / a) / (a) */
    int bullet;       /* - / – / · / • / + / * */
    int starts_lower; /* first letter lower case, and not a numbered item */
    int starts_upper;
    char last;        /* last character that is not a quote: '.', ':', ',' ... or 'a' for a letter/digit */
    int inner_colon;  /* "label: text" */
} line_facts;

static int is_roman(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr("ivxlcdmIVXLCDM", s[i]))
            return 0;
    return n > 0 && n <= 6;
}

/* With head_only, stops at the first letter: numbering, bullet and the case
 * of the first letter are all the lookahead at the next line needs. */
static void analyse(const char *s, size_t n, line_facts *f, int head_only)
{
    memset(f, 0, sizeof *f);
    /* numbering */
    size_t i = 0;
    if (i < n && s[i] == '(')
        i++;
    size_t tok_start = i;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.'))
        i++;
    if (i > tok_start && i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ')')) {
        const char *t = s + tok_start;
        size_t tl = i - tok_start;
        int digits_dots = 1, has_digit = 0;
        for (size_t k = 0; k < tl; k++) {
            if (isdigit((unsigned char)t[k]))
                has_digit = 1;
            else if (t[k] != '.')
                digits_dots = 0;
        }
        if (s[i] == ')' && tl <= 2)
            f->numbered = 1; /* a) 1) (b) */
        else if (digits_dots && has_digit && t[tl - 1] == '.' && tl <= 8)
            f->numbered = 1; /* 1. 2.1. */
        else if (tl >= 2 && t[tl - 1] == '.' && is_roman(t, tl - 1))
            f->numbered = 1; /* i. II. */
    }
    /* bullets: ASCII or the dashes and dots of Word lists */
    if (n >= 2 && strchr("-+*", s[0]) && (s[1] == ' ' || s[1] == '\t'))
        f->bullet = 1;
    else if (starts_with(s, n, "– ") || starts_with(s, n, "· ") || starts_with(s, n, "• ") ||
             starts_with(s, n, "\xEF\x82\xA7") /* U+F0A7, Wingdings bullet */)
        f->bullet = 1;
    else if (n >= 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xB7)
        f->bullet = 1; /* · with no space */

    int in_word = 0, first_letter = 1, seen_colon = 0;
    for (size_t k = 0; k < n;) {
        utf8proc_int32_t cp = (unsigned char)s[k];
        if (cp < 0x80) {
            k++; /* ASCII: no decoding, and utf8proc's tables answer the same */
        } else {
            utf8proc_ssize_t len =
                utf8proc_iterate((const utf8proc_uint8_t *)s + k, (utf8proc_ssize_t)(n - k), &cp);
            if (len <= 0) {
                k++;
                continue;
            }
            k += (size_t)len;
        }
        int space = cp == ' ' || cp == '\t' || cp == 0xA0;
        if (!space && !in_word)
            f->words++;
        in_word = !space;
        if (seen_colon == 1 && !space)
            f->inner_colon = 1;
        if (cp == ':')
            seen_colon = 1;
        int upper = cp < 0x80 ? (cp >= 'A' && cp <= 'Z') : utf8proc_isupper(cp);
        int lower = cp < 0x80 ? (cp >= 'a' && cp <= 'z') : utf8proc_islower(cp);
        if (upper) {
            f->upper++;
            if (first_letter)
                f->starts_upper = 1;
            first_letter = 0;
        } else if (lower) {
            f->lower++;
            if (first_letter && !f->numbered)
                f->starts_lower = 1;
            first_letter = 0;
        }
        if (head_only && !first_letter)
            return;
    }
    /* last significant character, looking through closing quotes */
    size_t e = n;
    while (e > 0) {
        unsigned char c = (unsigned char)s[e - 1];
        if (c == '"' || c == '\'' || c == ' ') {
            e--;
        } else if (e >= 3 && (unsigned char)s[e - 3] == 0xE2 && (unsigned char)s[e - 2] == 0x80 &&
                   ((unsigned char)s[e - 1] == 0x9D || (unsigned char)s[e - 1] == 0x99)) {
            e -= 3; /* ” ’ */
        } else {
            break;
        }
    }
    if (e == 0)
        f->last = 0;
    else if (strchr(".!?:;,)", s[e - 1]))
        f->last = s[e - 1];
    else
        f->last = 'a';
    if (f->last == ':' && f->inner_colon == 0)
        f->inner_colon = 0;
    /* a colon at the very end is not an inner colon */
    if (f->last == ':') {
        int only_final = 1;
        for (size_t k = 0; k + 1 < e; k++)
            if (s[k] == ':')
                only_final = 0;
        if (only_final)
            f->inner_colon = 0;
    }
}

static int is_separator(const char *s, size_t n)
{
    if (n < 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr("-_=*~ ", s[i]))
            return 0;
    return 1;
}

static int ends_sentence(char last)
{
    return last == '.' || last == '!' || last == '?' || last == ':';
}

/* ------------------------------------------------------------ assembly */

typedef struct item {
    rd_kind kind;
    int level;
    char *text;
    size_t len;
    size_t line, end_line;
    unsigned flags;
    int refs_start, refs_end;
} item;

typedef struct assembler {
    splitter *sp;
    item *items;
    size_t nitems, items_cap;
    rd_buf para;
    size_t para_line, para_end;
    int para_open;
    int para_indented, para_bullet;
    char para_last;      /* last char class of the paragraph's last line */
    int para_refs_start, para_refs_end; /* range in sp->refs */
    long *ref_owner;     /* item index of each ref in sp->refs */
} assembler;

static void push_item(assembler *as, rd_kind kind, int level, const char *s, size_t n, size_t line, size_t end_line,
                      unsigned flags, int refs_start, int refs_end)
{
    GROW(as->items, as->nitems, as->items_cap, as->sp->failed);
    if (as->sp->failed)
        return;
    item *it = &as->items[as->nitems];
    it->text = malloc(n + 1);
    if (!it->text) {
        as->sp->failed = 1;
        return;
    }
    memcpy(it->text, s, n);
    it->text[n] = '\0';
    it->len = n;
    it->kind = kind;
    it->level = level;
    it->line = line;
    it->end_line = end_line;
    it->flags = flags;
    it->refs_start = refs_start;
    it->refs_end = refs_end;
    for (int r = refs_start; r < refs_end; r++)
        as->ref_owner[r] = (long)as->nitems;
    as->nitems++;
}

static void flush_para(assembler *as)
{
    if (!as->para_open)
        return;
    as->para_open = 0;
    if (as->para.len)
        push_item(as, as->para_bullet ? RD_LIST_ITEM : RD_PARAGRAPH, as->para_bullet ? 1 : 0, as->para.s,
                  as->para.len, as->para_line, as->para_end,
                  as->para_indented && !as->para_bullet ? RD_FLAG_INDENTED : 0, as->para_refs_start,
                  as->para_refs_end);
    as->para.len = 0;
}

static const char *line_text(const splitter *sp, const clean_line *cl)
{
    return sp->clean.s ? sp->clean.s + cl->start : "";
}

static enum line_kind classify(const assembler *as, size_t i, line_facts *f)
{
    const splitter *sp = as->sp;
    const clean_line *cl = &sp->lines[i];
    const char *s = line_text(sp, cl);
    if (cl->len == 0)
        return L_BLANK;
    if (is_separator(s, cl->len))
        return L_SEPARATOR;
    analyse(s, cl->len, f, 0);

    line_facts next = {0};
    if (i + 1 < sp->nlines && sp->lines[i + 1].len)
        analyse(line_text(sp, &sp->lines[i + 1]), sp->lines[i + 1].len, &next, 1);
    int next_continues = next.starts_lower && !next.bullet;

    if (f->lower == 0 && f->upper >= 3 && f->words <= 25 && f->last != '.' && !f->bullet)
        return L_TOP; /* HỢP TÁC TIỂU VÙNG MÊ CÔNG MỞ RỘNG (GMS) */
    if (f->numbered && f->words <= 20 && f->last != '.' && f->last != ';' && f->last != ',' && !next_continues)
        return L_SUB; /* 2.1. Về các Hội nghị Cấp cao/Bộ trưởng */
    if (f->bullet && f->words <= 8 && f->last == ':' && !f->inner_colon)
        return L_SUB; /* - Mục tiêu của GMS: */
    int para_wants_more = as->para_open && !ends_sentence(as->para_last);
    if (!f->numbered && !f->bullet && f->words <= 12 && f->starts_upper && f->last != '.' && f->last != ';' &&
        f->last != ',' && !f->inner_colon && !next_continues && !para_wants_more)
        return L_SUB; /* Giao thông */
    return L_CONTENT;
}

static void assemble(assembler *as)
{
    splitter *sp = as->sp;
    for (size_t i = 0; i < sp->nlines && !sp->failed; i++) {
        clean_line *cl = &sp->lines[i];
        const char *s = line_text(sp, cl);
        size_t lineno = i + 1;
        line_facts f;
        enum line_kind kind = classify(as, i, &f);
        switch (kind) {
        case L_BLANK:
            flush_para(as);
            continue;
        case L_SEPARATOR:
            flush_para(as);
            push_item(as, RD_BREAK, 0, "", 0, lineno, lineno, 0, 0, 0);
            continue;
        case L_TOP:
        case L_SUB:
            flush_para(as);
            push_item(as, RD_HEADING, kind == L_TOP ? 1 : 2, s, cl->len, lineno, lineno, 0, cl->refs_start,
                      cl->refs_start + cl->refs_count);
            continue;
        case L_CONTENT:
            break;
        }
        int is_item = f.numbered || f.bullet;
        int join = as->para_open && !is_item && !ends_sentence(as->para_last);
        if (!join) {
            flush_para(as);
            as->para_open = 1;
            as->para_line = lineno;
            as->para_indented = cl->indented;
            as->para_bullet = f.bullet;
            as->para_refs_start = cl->refs_start;
        } else {
            rd_buf_putc(&as->para, ' ');
        }
        rd_buf_append(&as->para, s, cl->len);
        as->para_end = lineno;
        as->para_last = f.last;
        as->para_refs_end = cl->refs_start + cl->refs_count;
        if (as->para.failed)
            sp->failed = 1;
    }
    flush_para(as);
}

/* Indices sorted by a key, then by index: each carries its key, so the
 * comparison needs no context (no global for qsort, no lock around it). */
typedef struct keyed {
    long key;
    size_t index;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    return x->key != y->key ? (x->key < y->key ? -1 : 1) : (x->index > y->index) - (x->index < y->index);
}

/* Sorts idx[0..n) by key(i), then i; 0, or -1 out of memory. */
static int sort_by_key(size_t *idx, size_t n, const void *base, long (*key)(const void *base, size_t i))
{
    keyed *k = malloc((n + 1) * sizeof *k);
    if (!k)
        return -1;
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){key(base, idx[i]), idx[i]};
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n; i++)
        idx[i] = k[i].index;
    free(k);
    return 0;
}

static long ref_number(const void *refs, size_t i)
{
    return ((const int *)refs)[i];
}

/* Each note goes with the paragraph holding its [footnoteRef:N], or, with
 * no reference, the last paragraph starting on or before its body.  Both
 * found by binary search (refs sorted by number; items are in line order),
 * so a file of countless notes and references costs n log n, not n^2. */
static void own_notes(assembler *as)
{
    splitter *sp = as->sp;
    size_t *byref = malloc((sp->nrefs + 1) * sizeof *byref), nvalid = 0;
    long *last_para = malloc((as->nitems + 1) * sizeof *last_para);
    if (!byref || !last_para) {
        free(byref);
        free(last_para);
        sp->failed = 1;
        return;
    }
    for (size_t r = 0; r < sp->nrefs; r++)
        if (as->ref_owner[r] >= 0 && as->items[as->ref_owner[r]].kind != RD_BREAK)
            byref[nvalid++] = r;
    /* refs by number, then position */
    if (sort_by_key(byref, nvalid, sp->refs, ref_number) != 0) {
        free(byref);
        free(last_para);
        sp->failed = 1;
        return;
    }
    long last = -1;
    for (size_t p = 0; p < as->nitems; p++) {
        if (as->items[p].kind == RD_PARAGRAPH || as->items[p].kind == RD_LIST_ITEM)
            last = (long)p;
        last_para[p] = last;
    }
    for (size_t k = 0; k < sp->nnotes; k++) {
        note *nt = &sp->notes[k];
        nt->owner = -1;
        nt->by_ref = 0;
        size_t lo = 0, hi = nvalid; /* the first valid ref numbered nt->number */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sp->refs[byref[mid]] < nt->number)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nvalid && sp->refs[byref[lo]] == nt->number) {
            nt->owner = as->ref_owner[byref[lo]];
            nt->by_ref = 1;
            continue;
        }
        lo = 0, hi = as->nitems; /* the items starting on or before its line: [0, lo) */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (as->items[mid].line <= nt->line)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0)
            nt->owner = last_para[lo - 1];
    }
    free(byref);
    free(last_para);
}

static void emit_note(rd_builder *b, note *nt)
{
    nt->emitted = 1;
    b->line = nt->line;
    b->end_line = nt->end_line;
    rb_text(b, nt->text.s, nt->text.len);
    rd_block *blk = rb_end(b, RD_NOTE, 0);
    if (blk)
        blk->note = nt->number;
}

static long note_owner(const void *notes, size_t i)
{
    return ((const note *)notes)[i].owner;
}

static void emit(assembler *as, rd_builder *b)
{
    splitter *sp = as->sp;
    /* the notes of each item, in order: one pass, not items x notes */
    size_t *order = malloc((sp->nnotes + 1) * sizeof *order);
    if (!order) {
        sp->failed = 1;
        return;
    }
    for (size_t k = 0; k < sp->nnotes; k++)
        order[k] = k;
    /* notes by owner, then position */
    if (sort_by_key(order, sp->nnotes, sp->notes, note_owner) != 0) {
        free(order);
        sp->failed = 1;
        return;
    }
    size_t next = 0;
    while (next < sp->nnotes && sp->notes[order[next]].owner < 0)
        next++;
    for (size_t p = 0; p < as->nitems; p++) {
        item *it = &as->items[p];
        b->line = it->line;
        b->end_line = it->end_line;
        b->flags = it->flags;
        rb_text(b, it->text, it->len);
        for (int r = it->refs_start; r < it->refs_end; r++)
            rb_cite(b, sp->refs[r]);
        size_t end = next;
        while (end < sp->nnotes && sp->notes[order[end]].owner == (long)p)
            end++;
        for (size_t j = next; j < end; j++) /* notes it owns without citing them */
            if (!sp->notes[order[j]].by_ref)
                rb_cite(b, sp->notes[order[j]].number);
        rb_end(b, it->kind, it->level);
        for (size_t j = next; j < end; j++)
            if (!sp->notes[order[j]].emitted)
                emit_note(b, &sp->notes[order[j]]);
        next = end;
    }
    free(order);
    for (size_t k = 0; k < sp->nnotes; k++)
        if (!sp->notes[k].emitted)
            emit_note(b, &sp->notes[k]);
    b->line = b->end_line = 0;
}

/* Text (valid UTF-8, LF line ends) -> blocks. */
static int text_blocks(const char *text, size_t len, rd_builder *b)
{
    splitter sp;
    memset(&sp, 0, sizeof sp);
    size_t lineno = 1;
    for (size_t off = 0; off <= len && !sp.failed;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (!nl && end == off)
            break; /* no empty last line after a final newline */
        clean_one_line(&sp, text + off, end - off, lineno++);
        off = end + 1;
        if (!nl)
            break;
    }
    assembler as;
    memset(&as, 0, sizeof as);
    as.sp = &sp;
    as.ref_owner = malloc((sp.nrefs + 1) * sizeof *as.ref_owner);
    if (!as.ref_owner)
        sp.failed = 1;
    for (size_t r = 0; r < sp.nrefs && as.ref_owner; r++)
        as.ref_owner[r] = -1;
    if (!sp.failed) {
        assemble(&as);
        own_notes(&as);
    }
    if (!sp.failed)
        emit(&as, b);
    for (size_t p = 0; p < as.nitems; p++)
        free(as.items[p].text);
    free(as.items);
    free(as.ref_owner);
    rd_buf_free(&as.para);
    rd_buf_free(&sp.clean);
    free(sp.lines);
    free(sp.refs);
    for (size_t k = 0; k < sp.nnotes; k++)
        rd_buf_free(&sp.notes[k].text);
    free(sp.notes);
    return sp.failed ? RD_ERR_NOMEM : RD_OK;
}

/* What vn_decode() repaired, as warnings. */
static void decode_warnings(rd_builder *b, const vn_decode_report *rep)
{
    int utf8 = rep->encoding == VN_ENC_UTF8 || rep->encoding == VN_ENC_UTF8_BOM;
    unsigned long bad = (unsigned long)rep->invalid_bytes; /* ngettext's count */
    if (rep->invalid_bytes && utf8)
        rb_warn(b, rep->first_invalid_line,
                dngettext(RD_TEXTDOMAIN, "invalid UTF-8 at byte %zu (%zu bad byte in the file), replaced with U+FFFD",
                          "invalid UTF-8 at byte %zu (%zu bad bytes in the file), replaced with U+FFFD", bad),
                rep->first_invalid_col, rep->invalid_bytes);
    else if (rep->invalid_bytes)
        rb_warn(b, rep->first_invalid_line,
                /* TRANSLATORS: %s is an encoding's name: UTF-16, TCVN3, VNI-Windows, ... */
                dngettext(RD_TEXTDOMAIN, "invalid %s (%zu bad sequence in the file), replaced with U+FFFD",
                          "invalid %s (%zu bad sequences in the file), replaced with U+FFFD", bad),
                rep->encoding >= VN_ENC_CP1258 ? vn_encoding_name(rep->encoding) : "UTF-16", rep->invalid_bytes);
    if (rep->encoding == VN_ENC_UTF16LE || rep->encoding == VN_ENC_UTF16BE)
        rb_warn(b, 0, _("%s text, converted to UTF-8"), vn_encoding_name(rep->encoding));
    else if (rep->encoding == VN_ENC_UTF8_BOM)
        rb_warn(b, 0, "%s", _("UTF-8 with a byte order mark, dropped"));
    if (rep->crlf)
        rb_warn(b, 0, "%s", _("CR or CRLF line ends, read as LF"));
    if (rep->nul_bytes)
        rb_warn(b, rep->first_nul_line,
                dngettext(RD_TEXTDOMAIN, "%zu NUL byte replaced with a space", "%zu NUL bytes replaced with spaces",
                          (unsigned long)rep->nul_bytes),
                rep->nul_bytes);
    if (rep->encoding >= VN_ENC_CP1258 && rep->uncertain)
        /* TRANSLATORS: the encoding read as (TCVN3, VNI-Windows, ...), then one that reads it almost as well */
        rb_warn(b, 0, _("not UTF-8; read as %s, but uncertain (%zu Vietnamese words; %s reads almost as well)"),
                vn_encoding_name(rep->encoding), rep->syllables, vn_encoding_name(rep->runner_up));
    else if (rep->encoding >= VN_ENC_CP1258)
        rb_warn(b, 0, _("not UTF-8; read as %s"), vn_encoding_name(rep->encoding));
}

int rd_read_txt(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap)
{
    (void)path;
    (void)o;
    char *text = NULL;
    size_t n = 0;
    vn_decode_report rep;
    int rc = rd_decode_text(data, len, &text, &n, &rep, err, errcap);
    if (rc)
        return rc;
    decode_warnings(b, &rep);
    /* A line with no break at all (a PDF export gone wrong): its paragraph
     * is one block, which the indexer cuts into pieces of one line number. */
    for (size_t off = 0, line = 1; off < n; line++) {
        const char *nl = memchr(text + off, '\n', n - off);
        size_t end = nl ? (size_t)(nl - text) : n;
        if (end - off > TXT_LONG_LINE) {
            rb_warn(b, line, _("a line of %zu bytes with no paragraph break; indexed in pieces of %d bytes"), end - off,
                    TXT_LONG_LINE);
            break;
        }
        off = end + 1;
    }
    b->verbatim = 1; /* the text is the author's: only the layout changes */
    rc = text_blocks(text, n, b);
    free(text);
    return rc;
}
