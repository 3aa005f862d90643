/*
 * Passages from blocks (see passage.h for the why).
 *
 * One walk over the blocks, in reading order: headings set the section and
 * sub-heading, paragraphs, list items and table rows become passages (cut
 * when giant), and a note body becomes a passage right where the reader
 * put it (after the block citing it), linked to that block's passage.
 * Layout debris is dropped: a table-of-contents line (dot leaders and a page
 * number) and a block of punctuation alone (".)") are neither passages nor
 * headings.
 */
#include "passage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readers.h"
#include "vnsearch.h"

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

typedef struct assembler {
    const rd_document *doc;
    passage_list *out;
    size_t items_cap, sections_cap, headings_cap, nodes_cap;
    long node;                /* the innermost heading in force (passage_list.nodes), or -1 */
    char *heading;            /* current sub-heading (owned) */
    size_t section_passages;  /* passages in the current section so far */
    int section_titled_last;  /* the last block was a top heading */
    long *passage_of;         /* for each block, the index of its (first) passage, or -1 */
    int failed;
} assembler;

static void new_section(assembler *as, size_t line)
{
    passage_list *o = as->out;
    GROW(o->sections, o->section_count, as->sections_cap, as->failed);
    if (as->failed)
        return;
    o->sections[o->section_count++] = (section_info){NULL, line};
    as->section_passages = 0;
    free(as->heading);
    as->heading = NULL;
}

/* The location of a block in the format's own terms (see passage.h). */
static char *location(const assembler *as, size_t i)
{
    const rd_document *d = as->doc;
    const rd_block *b = &d->blocks[i];
    char buf[1024];
    if (d->format == RD_FORMAT_TXT)
        return NULL;
    if (b->page)
        snprintf(buf, sizeof buf, "p. %u", b->page);
    else if (!rd_heading_path(d, i, buf, sizeof buf))
        snprintf(buf, sizeof buf, "¶ %zu", b->ordinal);
    return strdup(buf);
}

static int push_passage(assembler *as, const char *text, size_t len, size_t block, size_t end_block, int part)
{
    passage_list *o = as->out;
    GROW(o->items, o->count, as->items_cap, as->failed);
    if (as->failed)
        return -1;
    const rd_block *b = &as->doc->blocks[block], *e = &as->doc->blocks[end_block];
    int txt = as->doc->format == RD_FORMAT_TXT;
    passage *p = &o->items[o->count];
    memset(p, 0, sizeof *p);
    p->text = malloc(len + 1);
    p->heading = as->heading ? strdup(as->heading) : NULL;
    p->where = location(as, block);
    if (!p->text || (as->heading && !p->heading) || (!txt && !p->where)) {
        free(p->text);
        free(p->heading);
        free(p->where);
        as->failed = 1;
        return -1;
    }
    memcpy(p->text, text, len);
    p->text[len] = '\0';
    p->text_len = len;
    p->line = txt ? b->line : b->ordinal;
    p->end_line = txt ? e->end_line : e->ordinal;
    p->page = b->page;
    p->ocr = (b->flags & RD_FLAG_OCR) != 0;
    p->ocr_confidence = p->ocr ? b->confidence : 0;
    p->section = o->section_count - 1;
    p->opens_section = (b->flags & RD_FLAG_INDENTED) && part <= 1;
    p->note = b->kind == RD_NOTE ? b->note : 0;
    p->endnote = b->kind == RD_NOTE && b->endnote;
    p->cited_by = -1;
    p->part = part;
    p->node = as->node;
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

/* Emits blocks [block, end_block] (their text joined in `text`) as a
 * passage, cut into parts if it is a giant; returns the index of the first
 * part, or -1. */
static long emit(assembler *as, const char *text, size_t len, size_t block, size_t end_block)
{
    strbuf clean = STRBUF_INIT;
    collapse(text, len, &clean);
    if (clean.failed) {
        as->failed = 1;
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
        int idx = push_passage(as, clean.s + off, trimmed, block, end_block, part);
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

static void set_heading(assembler *as, const char *s, size_t n)
{
    free(as->heading);
    strbuf h = STRBUF_INIT;
    collapse(s, n, &h);
    as->heading = sb_take(&h);
    if (!as->heading)
        as->failed = 1;
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
        as->failed = 1;
}

/* 1 if s holds a letter or a digit: ASCII ones, or any character beyond
 * Latin-1's punctuation that is not general punctuation (U+2000-U+206F:
 * dashes, ellipses, bullets). */
static int has_word_character(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
                return 1;
            continue;
        }
        if ((c & 0xC0) == 0x80)
            continue;
        if (c == 0xC2) /* U+0080-U+00BF: NBSP, ·, «, ... */
            continue;
        if (c == 0xE2 && i + 1 < n && ((unsigned char)s[i + 1] == 0x80 || (unsigned char)s[i + 1] == 0x81))
            continue; /* U+2000-U+207F */
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBB && (unsigned char)s[i + 2] == 0xBF)
            continue; /* a byte order mark */
        return 1;
    }
    return 0;
}

/* Layout debris: never a passage nor a heading. */
static int debris(const rd_block *b)
{
    return !has_word_character(b->text, b->len) || rd_toc_entry(b->text, b->len);
}

/* How a heading is numbered: 0 not, else kind * 16 + depth, the kind
 * 1 Roman ("II."), 2 Arabic ("2.", "2.1." of depth 2), 3 a letter ("b)"). */
static int numbering(const char *s)
{
    size_t i = 0, parts = 0;
    while (s[i] == ' ')
        i++;
    if (strchr("IVXLC", s[i]) && s[i]) {
        while (s[i] && strchr("IVXLC", s[i]))
            i++;
        return (s[i] == '.' || s[i] == ')') ? 16 + 1 : 0;
    }
    if (s[i] >= '0' && s[i] <= '9') {
        while (s[i] >= '0' && s[i] <= '9') {
            while (s[i] >= '0' && s[i] <= '9')
                i++;
            parts++;
            if (s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9')
                i++;
        }
        return (s[i] == '.' || s[i] == ')' || s[i] == ' ') && parts < 16 ? 32 + (int)parts : 0;
    }
    if (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') && (s[i + 1] == '.' || s[i + 1] == ')') && s[i + 2] == ' ')
        return 48 + 1;
    return 0;
}

/* Where a format's levels are guessed from the text (.doc through
 * antiword: every numbered heading is level 2), the numbering says more: a heading numbered like one above it at its level or deeper
 * is its sibling ("III." after "II." > "1."), one numbered otherwise under
 * a numbered heading is its child ("1." under "II.", "2.1." under "2."). */
static int numbered_level(const assembler *as, const rd_block *b, int level)
{
    const passage_list *o = as->out;
    int mine = numbering(b->text);
    /* (not in text exports: their numbering is too loose to go by) */
    if (!mine || as->doc->format != RD_FORMAT_DOC)
        return level;
    for (long n = as->node; n >= 0 && o->nodes[n].level >= level; n = o->nodes[n].parent)
        if (numbering(o->nodes[n].text) == mine)
            return o->nodes[n].level;
    if (as->node >= 0 && o->nodes[as->node].level >= level && numbering(o->nodes[as->node].text))
        return o->nodes[as->node].level + 1;
    return level;
}

/* A heading enters the outline: it ends the headings of its level or
 * deeper; a top heading right after another joins it (a title on two
 * lines). */
static void outline_heading(assembler *as, const rd_block *b)
{
    passage_list *o = as->out;
    int level = b->level < 1 ? 1 : b->level;
    strbuf t = STRBUF_INIT;
    if (level > 1)
        level = numbered_level(as, b, level);
    if (level == 1 && as->section_titled_last && as->node >= 0 && o->nodes[as->node].level == 1) {
        heading_node *n = &o->nodes[as->node];
        sb_puts(&t, n->text);
        sb_putc(&t, ' ');
        collapse(b->text, b->len, &t);
        char *joined = sb_take(&t);
        if (!joined) {
            as->failed = 1;
            return;
        }
        free(n->text);
        n->text = joined;
        return;
    }
    while (as->node >= 0 && o->nodes[as->node].level >= level)
        as->node = o->nodes[as->node].parent;
    GROW(o->nodes, o->node_count, as->nodes_cap, as->failed);
    if (as->failed)
        return;
    collapse(b->text, b->len, &t);
    char *text = sb_take(&t);
    if (!text) {
        as->failed = 1;
        return;
    }
    o->nodes[o->node_count] = (heading_node){text, level, as->node};
    as->node = (long)o->node_count++;
}

/* The passage a note belongs to: the nearest block before it that cites its
 * number (readers put the body right after it, other notes between). */
static long note_owner(const assembler *as, size_t i)
{
    const rd_document *d = as->doc;
    int number = d->blocks[i].note;
    for (size_t k = i; k-- > 0;) {
        const rd_block *b = &d->blocks[k];
        if (b->kind == RD_NOTE)
            continue;
        for (size_t c = 0; c < b->ncites; c++)
            if (b->cites[c] == number)
                return as->passage_of[k];
        if (b->kind == RD_HEADING || b->kind == RD_BREAK || k + 64 < i)
            break;
    }
    return -1;
}

static void assemble(assembler *as)
{
    const rd_document *d = as->doc;
    passage_list *o = as->out;
    new_section(as, d->count ? (d->blocks[0].line ? d->blocks[0].line : d->blocks[0].ordinal) : 1);
    strbuf row = STRBUF_INIT;
    size_t row_start = 0;
    for (size_t i = 0; i < d->count && !as->failed; i++) {
        const rd_block *b = &d->blocks[i];
        size_t line = d->format == RD_FORMAT_TXT ? b->line : b->ordinal;
        as->passage_of[i] = -1;
        switch (b->kind) {
        case RD_BREAK:
            if (as->section_passages > 0 || o->sections[o->section_count - 1].title)
                new_section(as, line);
            as->node = -1; /* a break ends every heading */
            as->section_titled_last = 0;
            continue;
        case RD_HEADING:
            if (debris(b))
                continue;
            if (b->len) {
                GROW(o->headings, o->heading_count, as->headings_cap, as->failed);
                if (as->failed)
                    continue;
                strbuf h = STRBUF_INIT;
                collapse(b->text, b->len, &h);
                heading_info *hi = &o->headings[o->heading_count];
                *hi = (heading_info){sb_take(&h), line, b->page, 0, 0};
                if (!hi->text)
                    as->failed = 1;
                else if (*hi->text)
                    o->heading_count++;
                else
                    free(hi->text);
            }
            if (b->len)
                outline_heading(as, b);
            if (b->level <= 1) {
                if (!as->section_titled_last &&
                    (as->section_passages > 0 || o->sections[o->section_count - 1].title))
                    new_section(as, line);
                if (o->section_count && !o->sections[o->section_count - 1].title)
                    o->sections[o->section_count - 1].line = line;
                add_title(as, b->text, b->len);
                as->section_titled_last = 1;
            } else {
                set_heading(as, b->text, b->len);
                as->section_titled_last = 0;
            }
            if (o->heading_count && o->headings[o->heading_count - 1].line == line) {
                o->headings[o->heading_count - 1].section = o->section_count - 1;
                o->headings[o->heading_count - 1].before = o->count; /* the passages to come */
            }
            continue;
        case RD_TABLE_CELL:
            /* a row is one passage: its cells joined */
            if (row.len == 0)
                row_start = i;
            if (b->len) {
                if (row.len)
                    sb_puts(&row, " | ");
                sb_append(&row, b->text, b->len);
            }
            if (b->row_end || i + 1 >= d->count || d->blocks[i + 1].kind != RD_TABLE_CELL ||
                d->blocks[i + 1].row != b->row || d->blocks[i + 1].table != b->table) {
                as->section_titled_last = 0;
                if (row.len)
                    as->passage_of[row_start] = as->passage_of[i] = emit(as, row.s, row.len, row_start, i);
                sb_reset(&row);
                if (row.failed)
                    as->failed = 1;
            }
            continue;
        case RD_NOTE: {
            long owner = note_owner(as, i);
            char *heading = as->heading;
            long node = as->node;
            as->heading = owner >= 0 && o->items[owner].heading ? o->items[owner].heading : NULL;
            as->node = owner >= 0 ? o->items[owner].node : as->node;
            long idx = emit(as, b->text, b->len, i, i);
            as->heading = heading;
            as->node = node;
            as->section_passages -= idx >= 0 ? o->count - (size_t)idx : 0; /* notes open nothing */
            for (size_t q = idx >= 0 ? (size_t)idx : o->count; q < o->count; q++) {
                o->items[q].cited_by = owner;
                if (owner >= 0)
                    o->items[q].section = o->items[owner].section;
            }
            as->passage_of[i] = idx;
            continue;
        }
        case RD_PARAGRAPH:
        case RD_LIST_ITEM:
            if (debris(b))
                continue;
            as->section_titled_last = 0;
            as->passage_of[i] = emit(as, b->text, b->len, i, i);
            continue;
        }
    }
    sb_free(&row);
}

int passage_from_blocks(const rd_document *doc, passage_list *out)
{
    memset(out, 0, sizeof *out);
    assembler as;
    memset(&as, 0, sizeof as);
    as.doc = doc;
    as.out = out;
    as.node = -1;
    as.passage_of = malloc((doc->count + 1) * sizeof *as.passage_of);
    if (!as.passage_of)
        as.failed = 1;
    else
        assemble(&as);
    free(as.passage_of);
    free(as.heading);
    if (as.failed) {
        passage_list_free(out);
        return -1;
    }
    return 0;
}

int passage_split(const char *text, size_t len, passage_list *out)
{
    memset(out, 0, sizeof *out);
    rd_document *doc = NULL;
    char err[256];
    int rc = rd_read(NULL, text, len, RD_FORMAT_TXT, NULL, &doc, err, sizeof err);
    if (rc != RD_OK) /* text that is not text: no passages */
        return rc == RD_ERR_NOMEM ? -1 : 0;
    rc = passage_from_blocks(doc, out);
    rd_document_free(doc);
    return rc;
}

void passage_list_free(passage_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].text);
        free(list->items[i].heading);
        free(list->items[i].where);
    }
    for (size_t i = 0; i < list->section_count; i++)
        free(list->sections[i].title);
    for (size_t i = 0; i < list->heading_count; i++)
        free(list->headings[i].text);
    for (size_t i = 0; i < list->node_count; i++)
        free(list->nodes[i].text);
    free(list->nodes);
    free(list->items);
    free(list->sections);
    free(list->headings);
    memset(list, 0, sizeof *list);
}
