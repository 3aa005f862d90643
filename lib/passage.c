/*
 * Passage splitting (see passage.h for the why).
 *
 * Two passes.  The first cleans every line: markers out, footnote bodies
 * (which may run over several lines) diverted into notes, footnote
 * references remembered.  The second classifies the clean lines (blank,
 * separator, top heading, sub-heading, content) with one line of lookahead
 * and assembles paragraphs, rejoining hard-wrapped lines.
 */
#include "passage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "vnsearch.h"

typedef struct clean_line {
    size_t start, len;   /* into the clean buffer, trimmed */
    int indented;        /* the raw line began with a space or tab */
    int toc;             /* carried a [bookmark: _Toc...] (a Word table-of-contents entry) */
    int refs_start, refs_count; /* footnote numbers cited, in the refs array */
} clean_line;

typedef struct note {
    int number;
    size_t line, end_line;
    strbuf text;
    long cited_by;
} note;

typedef struct splitter {
    strbuf clean;         /* all clean lines, back to back */
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
    cl->indented = n > 0 && (raw[0] == ' ' || raw[0] == '\t');
    cl->refs_start = (int)sp->nrefs;
    size_t start = sp->clean.len;

    for (size_t i = 0; i < n;) {
        int num = 0;
        size_t m;
        if (raw[i] == '[') {
            if ((m = bookmark_marker(raw + i, n - i, &cl->toc))) {
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
                *nt = (note){num, lineno, lineno, STRBUF_INIT, -1};
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
            sb_append(&sp->open_note->text, raw + i, j - i);
            i = j;
            continue;
        }
        const char *next = memchr(raw + i + 1, '[', n - i - 1);
        size_t j = next ? (size_t)(next - raw) : n;
        sb_append(&sp->clean, raw + i, j - i);
        i = j;
    }
    if (sp->open_note) { /* the body goes on over the next line */
        sb_putc(&sp->open_note->text, ' ');
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

typedef struct assembler {
    splitter *sp;
    passage_list *out;
    size_t items_cap, sections_cap;
    strbuf para;
    size_t para_line, para_end;
    int para_open;
    int para_indented, para_bullet;
    char para_last;      /* last char class of the paragraph's last line */
    int para_refs_start, para_refs_end; /* range in sp->refs */
    char *heading;       /* current sub-heading (owned) */
    size_t section_passages; /* passages in the current section so far */
    int section_titled_last; /* the last non-blank line was a top heading */
    long *ref_owner;     /* passage index of each ref in sp->refs */
} assembler;

static void new_section(assembler *as, size_t line)
{
    passage_list *o = as->out;
    GROW(o->sections, o->section_count, as->sections_cap, as->sp->failed);
    if (as->sp->failed)
        return;
    o->sections[o->section_count++] = (section_info){NULL, line};
    as->section_passages = 0;
    free(as->heading);
    as->heading = NULL;
}

static int push_passage(assembler *as, const char *text, size_t len, size_t line, size_t end_line, int opens,
                        int note_no, int part)
{
    passage_list *o = as->out;
    GROW(o->items, o->count, as->items_cap, as->sp->failed);
    if (as->sp->failed)
        return -1;
    passage *p = &o->items[o->count];
    memset(p, 0, sizeof *p);
    p->text = malloc(len + 1);
    if (!p->text) {
        as->sp->failed = 1;
        return -1;
    }
    memcpy(p->text, text, len);
    p->text[len] = '\0';
    p->text_len = len;
    p->line = line;
    p->end_line = end_line;
    p->heading = as->heading ? strdup(as->heading) : NULL;
    p->section = o->section_count - 1;
    p->opens_section = opens;
    p->note = note_no;
    p->cited_by = -1;
    p->part = part;
    o->count++;
    as->section_passages++;
    return (int)(o->count - 1);
}

/* Copies text collapsing whitespace runs (including NBSP) to one space. */
static void collapse(const char *s, size_t n, strbuf *out)
{
    int space = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        int is_space = c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\v';
        size_t w = 1;
        if (!is_space && c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            is_space = 1;
            w = 2;
        }
        if (is_space) {
            space = out->len > 0;
            i += w;
            continue;
        }
        if (space)
            sb_putc(out, ' ');
        space = 0;
        /* the run of bytes up to the next possible space goes in whole */
        size_t j = i + 1;
        while (j < n) {
            unsigned char d = (unsigned char)s[j];
            if (d == ' ' || d == '\t' || d == '\n' || d == '\f' || d == '\v' || d == 0xC2)
                break;
            j++;
        }
        sb_append(out, s + i, j - i);
        i = j;
    }
}

/* Where to cut a giant text at or before `max`: a sentence end, else a
 * space, else a UTF-8 boundary. */
static size_t cut_point(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    for (size_t i = max; i > max / 2; i--)
        if (s[i - 1] == ' ' && i >= 2 && (s[i - 2] == '.' || s[i - 2] == '!' || s[i - 2] == '?'))
            return i;
    for (size_t i = max; i > max / 2; i--)
        if (s[i - 1] == ' ')
            return i;
    size_t i = max;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i ? i : max;
}

/* Emits a passage, cut into parts if it is a giant; returns the index of
 * the first part, or -1. */
static long emit(assembler *as, const char *text, size_t len, size_t line, size_t end_line, int opens, int note_no)
{
    strbuf clean = STRBUF_INIT;
    collapse(text, len, &clean);
    if (clean.failed) {
        as->sp->failed = 1;
        sb_free(&clean);
        return -1;
    }
    long first = -1;
    size_t off = 0;
    int part = clean.len > PASSAGE_MAX_BYTES ? 1 : 0;
    while (off < clean.len) {
        size_t n = cut_point(clean.s + off, clean.len - off, PASSAGE_MAX_BYTES);
        size_t trimmed = n;
        while (trimmed > 0 && clean.s[off + trimmed - 1] == ' ')
            trimmed--;
        int idx = push_passage(as, clean.s + off, trimmed, line, end_line, opens && first < 0, note_no, part);
        if (idx < 0)
            break;
        if (first < 0)
            first = idx;
        off += n;
        if (part)
            part++;
    }
    sb_free(&clean);
    return first;
}

static void flush_para(assembler *as)
{
    if (!as->para_open)
        return;
    as->para_open = 0;
    if (as->para.len == 0)
        return;
    long idx = emit(as, as->para.s, as->para.len, as->para_line, as->para_end,
                    as->para_indented && !as->para_bullet, 0);
    for (int r = as->para_refs_start; r < as->para_refs_end; r++)
        as->ref_owner[r] = idx;
    sb_reset(&as->para);
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

static void set_heading(assembler *as, const char *s, size_t n)
{
    free(as->heading);
    strbuf h = STRBUF_INIT;
    collapse(s, n, &h);
    as->heading = sb_take(&h);
    if (!as->heading)
        as->sp->failed = 1;
}

static void add_title(assembler *as, const char *s, size_t n)
{
    section_info *sec = &as->out->sections[as->out->section_count - 1];
    strbuf t = STRBUF_INIT;
    if (sec->title) {
        sb_puts(&t, sec->title);
        sb_putc(&t, ' ');
        free(sec->title);
    }
    collapse(s, n, &t);
    sec->title = sb_take(&t);
    if (!sec->title)
        as->sp->failed = 1;
}

static void assemble(assembler *as)
{
    splitter *sp = as->sp;
    new_section(as, 1);
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
            if (as->section_passages > 0 || as->out->sections[as->out->section_count - 1].title)
                new_section(as, lineno);
            as->section_titled_last = 0;
            continue;
        case L_TOP:
            flush_para(as);
            if (!as->section_titled_last &&
                (as->section_passages > 0 || as->out->sections[as->out->section_count - 1].title))
                new_section(as, lineno);
            if (as->out->section_count && !as->out->sections[as->out->section_count - 1].title)
                as->out->sections[as->out->section_count - 1].line = lineno;
            add_title(as, s, cl->len);
            as->section_titled_last = 1;
            continue;
        case L_SUB:
            flush_para(as);
            set_heading(as, s, cl->len);
            as->section_titled_last = 0;
            continue;
        case L_CONTENT:
            break;
        }
        as->section_titled_last = 0;
        int item = f.numbered || f.bullet;
        int join = as->para_open && !item && !ends_sentence(as->para_last);
        if (!join) {
            flush_para(as);
            as->para_open = 1;
            as->para_line = lineno;
            as->para_indented = cl->indented;
            as->para_bullet = f.bullet;
            as->para_refs_start = cl->refs_start;
        } else {
            sb_putc(&as->para, ' ');
        }
        sb_append(&as->para, s, cl->len);
        as->para_end = lineno;
        as->para_last = f.last;
        as->para_refs_end = cl->refs_start + cl->refs_count;
        if (as->para.failed)
            sp->failed = 1;
    }
    flush_para(as);
}

/* Footnote bodies become passages placed right after the paragraph citing
 * them (found through the matching [footnoteRef:N]), in the same section. */
static void attach_notes(assembler *as)
{
    splitter *sp = as->sp;
    passage_list *o = as->out;
    if (sp->nnotes == 0)
        return;
    size_t paras = o->count;
    for (size_t k = 0; k < sp->nnotes && !sp->failed; k++) {
        note *nt = &sp->notes[k];
        long owner = -1;
        for (size_t r = 0; r < sp->nrefs; r++)
            if (sp->refs[r] == nt->number && as->ref_owner[r] >= 0) {
                owner = as->ref_owner[r];
                break;
            }
        if (owner < 0) /* no reference: the last paragraph starting on or before the body */
            for (size_t p = 0; p < paras; p++)
                if (o->items[p].line <= nt->line)
                    owner = (long)p;
        size_t section = owner >= 0 ? o->items[owner].section : o->section_count - 1;
        char *heading = owner >= 0 && o->items[owner].heading ? o->items[owner].heading : NULL;
        free(as->heading);
        as->heading = heading ? strdup(heading) : NULL;
        long idx = emit(as, nt->text.s ? nt->text.s : "", nt->text.len, nt->line, nt->end_line, 0, nt->number);
        if (idx < 0)
            continue;
        for (size_t q = (size_t)idx; q < o->count; q++) {
            o->items[q].cited_by = owner;
            o->items[q].section = section;
        }
    }
    /* Stable order: each note after its citing paragraph (and earlier notes). */
    passage *sorted = malloc(o->count * sizeof *sorted);
    long *new_index = malloc(o->count * sizeof *new_index);
    if (!sorted || !new_index) {
        free(sorted);
        free(new_index);
        sp->failed = 1;
        return;
    }
    size_t n = 0;
    for (size_t p = 0; p < paras; p++) {
        new_index[p] = (long)n;
        sorted[n++] = o->items[p];
        for (size_t q = paras; q < o->count; q++)
            if (o->items[q].cited_by == (long)p) {
                new_index[q] = (long)n;
                sorted[n++] = o->items[q];
            }
    }
    for (size_t q = paras; q < o->count; q++)
        if (o->items[q].cited_by < 0) {
            new_index[q] = (long)n;
            sorted[n++] = o->items[q];
        }
    for (size_t q = 0; q < n; q++)
        if (sorted[q].cited_by >= 0)
            sorted[q].cited_by = new_index[sorted[q].cited_by];
    free(o->items);
    o->items = sorted;
    free(new_index);
}

int passage_split(const char *text, size_t len, passage_list *out)
{
    memset(out, 0, sizeof *out);
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
    as.out = out;
    as.ref_owner = malloc((sp.nrefs + 1) * sizeof *as.ref_owner);
    if (!as.ref_owner)
        sp.failed = 1;
    for (size_t r = 0; r < sp.nrefs && as.ref_owner; r++)
        as.ref_owner[r] = -1;
    if (!sp.failed) {
        assemble(&as);
        attach_notes(&as);
    }
    /* Drop sections that ended up with no passage and no title. */
    free(as.ref_owner);
    free(as.heading);
    sb_free(&as.para);
    sb_free(&sp.clean);
    free(sp.lines);
    free(sp.refs);
    for (size_t k = 0; k < sp.nnotes; k++)
        sb_free(&sp.notes[k].text);
    free(sp.notes);
    if (sp.failed) {
        passage_list_free(out);
        return -1;
    }
    return 0;
}

void passage_list_free(passage_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].text);
        free(list->items[i].heading);
    }
    for (size_t i = 0; i < list->section_count; i++)
        free(list->sections[i].title);
    free(list->items);
    free(list->sections);
    memset(list, 0, sizeof *list);
}
