/*
 * .doc (Word 97-2003) -> blocks, from what antiword writes (filter.c runs
 * it with -w 0, one line per paragraph, UTF-8).
 *
 * antiword's text keeps less structure than the file had, and this reader
 * takes what it keeps: a heading is a line standing alone between blank
 * lines and not ending a sentence (antiword prefixes numbered headings
 * with their outline number, "2 2.1. ...", which is dropped and gives the
 * level); table rows are "|cell|cell|" lines; footnotes are cited as "[N]"
 * and their bodies listed after a line of dashes at the end, "[N]text".
 * Image placeholders ("[pic]") go.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct line {
    const char *s;
    size_t n;
} line;

static int blank(const line *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->s[i] != ' ' && l->s[i] != '\t' && l->s[i] != '\r' && l->s[i] != '\f')
            return 0;
    return 1;
}

/* "[12]" at s: its length and number, or 0. */
static size_t note_mark(const char *s, size_t n, int *num)
{
    if (n < 3 || s[0] != '[' || !isdigit((unsigned char)s[1]))
        return 0;
    int v = 0;
    size_t i = 1;
    while (i < n && isdigit((unsigned char)s[i]) && i < 7)
        v = v * 10 + (s[i++] - '0');
    if (i >= n || s[i] != ']' || v == 0)
        return 0;
    *num = v;
    return i + 1;
}

typedef struct notes {
    int *numbers;
    rd_buf *texts;
    size_t count;
    int *emitted;
} notes;

static long note_index(const notes *ns, int num)
{
    for (size_t i = 0; i < ns->count; i++)
        if (ns->numbers[i] == num)
            return (long)i;
    return -1;
}

/* Body text of one paragraph line, citations taken out. */
static void put_line(rd_builder *b, const notes *ns, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        int num;
        size_t m = 0;
        if (s[i] == '[' && (m = note_mark(s + i, n - i, &num)) && note_index(ns, num) >= 0) {
            rb_text(b, s + start, i - start);
            rb_cite(b, num);
            i += m - 1;
            start = i + 1;
        } else if (s[i] == '[' && n - i >= 5 && !memcmp(s + i, "[pic]", 5)) {
            rb_text(b, s + start, i - start);
            i += 4;
            start = i + 1;
        }
    }
    rb_text(b, s + start, n - start);
}

static void emit_notes(rd_builder *b, notes *ns, const rd_block *citing)
{
    if (!citing)
        return;
    for (size_t c = 0; c < citing->ncites; c++) {
        long k = note_index(ns, citing->cites[c]);
        if (k < 0 || ns->emitted[k])
            continue;
        ns->emitted[k] = 1;
        rb_text(b, ns->texts[k].s, ns->texts[k].len);
        rd_block *blk = rb_end(b, RD_NOTE, 0);
        if (blk)
            blk->note = ns->numbers[k];
    }
}

/* antiword's outline number before a heading: "2 " or "2.1 "; its length and depth. */
static size_t outline_number(const char *s, size_t n, int *depth)
{
    size_t i = 0;
    *depth = 1;
    if (!isdigit((unsigned char)s[0]))
        return 0;
    while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.')) {
        if (s[i] == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))
            (*depth)++;
        i++;
    }
    if (i >= n || s[i] != ' ' || s[i - 1] == '.')
        return 0; /* "2.1. Text" is the author's own numbering, not antiword's */
    return i + 1;
}

int rd_parse_antiword(const char *text, size_t len, rd_builder *b)
{
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++)
        nlines += text[i] == '\n';
    line *lines = calloc(nlines, sizeof *lines);
    if (!lines)
        return RD_ERR_NOMEM;
    size_t n = 0;
    for (size_t off = 0; off <= len && n < nlines;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        lines[n++] = (line){text + off, end - off};
        if (!nl)
            break;
        off = end + 1;
    }
    /* the footnotes: after the last line of 10+ dashes, lines "[N]text" */
    size_t body_end = n;
    for (size_t i = n; i-- > 0;) {
        size_t d = 0;
        while (d < lines[i].n && lines[i].s[d] == '-')
            d++;
        if (d >= 10 && d == lines[i].n) {
            size_t k = i + 1;
            while (k < n && blank(&lines[k]))
                k++;
            int num;
            if (k < n && note_mark(lines[k].s, lines[k].n, &num))
                body_end = i;
            break;
        }
    }
    notes ns = {0};
    size_t maxnotes = n - body_end + 1;
    ns.numbers = calloc(maxnotes, sizeof *ns.numbers);
    ns.texts = calloc(maxnotes, sizeof *ns.texts);
    ns.emitted = calloc(maxnotes, sizeof *ns.emitted);
    int rc = ns.numbers && ns.texts && ns.emitted ? RD_OK : RD_ERR_NOMEM;
    for (size_t i = body_end + 1; i < n && rc == RD_OK; i++) {
        int num;
        size_t m = note_mark(lines[i].s, lines[i].n, &num);
        if (m && note_index(&ns, num) < 0) {
            ns.numbers[ns.count] = num;
            rd_buf_append(&ns.texts[ns.count++], lines[i].s + m, lines[i].n - m);
        } else if (ns.count && !blank(&lines[i])) {
            rd_buf_putc(&ns.texts[ns.count - 1], ' ');
            rd_buf_append(&ns.texts[ns.count - 1], lines[i].s, lines[i].n);
        }
    }
    unsigned table = 0, row = 0;
    int in_table = 0;
    for (size_t i = 0; i < body_end && rc == RD_OK; i++) {
        const line *l = &lines[i];
        if (blank(l)) {
            in_table = 0;
            continue;
        }
        b->line = b->end_line = i + 1;
        if (l->n >= 2 && l->s[0] == '|' && l->s[l->n - 1] == '|') { /* a table row */
            if (!in_table) {
                table++;
                row = 0;
                in_table = 1;
            }
            row++;
            unsigned col = 0;
            for (size_t a = 1; a < l->n;) {
                const char *bar = memchr(l->s + a, '|', l->n - a);
                size_t e = bar ? (size_t)(bar - l->s) : l->n;
                put_line(b, &ns, l->s + a, e - a);
                size_t before = b->doc->count;
                rb_end_cell(b, table, row, ++col);
                emit_notes(b, &ns, b->doc->count > before ? &b->doc->blocks[before] : NULL);
                a = e + 1;
            }
            rb_end_row(b, table, row);
            continue;
        }
        in_table = 0;
        int alone = (i == 0 || blank(&lines[i - 1])) && (i + 1 >= body_end || blank(&lines[i + 1]));
        int sentence = l->n > 0 && strchr(".;,", l->s[l->n - 1]) != NULL;
        rd_block *blk;
        if (alone && !sentence && l->n < 300) {
            int depth = 0;
            size_t skip = outline_number(l->s, l->n, &depth);
            if (skip >= l->n)
                skip = 0;
            put_line(b, &ns, l->s + skip, l->n - skip);
            blk = rb_end(b, RD_HEADING, skip ? depth + 1 : 1);
        } else {
            put_line(b, &ns, l->s, l->n);
            blk = rb_end(b, RD_PARAGRAPH, 0);
        }
        emit_notes(b, &ns, blk);
    }
    b->line = b->end_line = 0;
    for (size_t k = 0; k < ns.count && rc == RD_OK; k++) /* bodies nothing cites */
        if (!ns.emitted[k]) {
            rb_text(b, ns.texts[k].s, ns.texts[k].len);
            rd_block *blk = rb_end(b, RD_NOTE, 0);
            if (blk)
                blk->note = ns.numbers[k];
        }
    for (size_t k = 0; ns.texts && k < ns.count; k++)
        rd_buf_free(&ns.texts[k]);
    free(ns.numbers);
    free(ns.texts);
    free(ns.emitted);
    free(lines);
    return rc;
}
