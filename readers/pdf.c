/*
 * .pdf -> blocks, from the text layer poppler-glib extracts.
 *
 * A PDF has lines, not paragraphs: poppler gives each page's text in
 * reading order with the position and font size of every character, and
 * this reader puts the structure back:
 *   - running headers and footers (the same top or bottom line on most
 *     pages, digits aside) and page numbers ("12", "Trang 12", "- 12 -")
 *     are dropped;
 *   - footnotes are the smaller-type lines at the foot of a page that start
 *     with their number; the same number raised in smaller type in the body
 *     is the citation, taken out of the text;
 *   - lines are rejoined into paragraphs: a paragraph ends at a wider gap,
 *     a change of type size, a bullet or numbered line, or a line that ends
 *     a sentence short of the right margin; a paragraph that runs on to
 *     the next page is continued there;
 *   - a hyphen at a line end between two plain ASCII fragments is undone
 *     ("Minis-" "terial"), but kept in Vietnamese compounds ("Cam-" "pu-chia",
 *     "Viên-" "chăn"), which the tokeniser joins anyway;
 *   - larger or bold short lines are headings, levelled by type size.
 * Every block keeps the page it starts on.  Tables come out as lines of
 * text.  A page with no text at all (a scan) is read by OCR (ocr.c): each
 * paragraph Tesseract finds is a line of its own here, flagged, which only
 * the running header and footer rules apply to.
 */
#include <ctype.h>
#include <glib.h>
#include <math.h>
#include <poppler.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct pline {
    char *text;          /* UTF-8, citations removed */
    int *cites;          /* note numbers raised in small type in this line */
    size_t ncites;
    double top, bottom, left, right;
    double size;         /* dominant font size */
    int bold;            /* all of it in a bold face */
    int note_start;      /* a footnote line: the note's number, else 0 */
    int is_note;         /* part of a footnote */
    int dropped;         /* running header/footer, page number */
    unsigned page;
    int ocr;             /* a paragraph OCR read from a picture of the page */
    int confidence;      /* ... and the page's mean confidence */
} pline;

/* The most lines a document's pages may hold before it is cut (each costs
 * about 100 bytes of geometry besides its text). */
#define PDF_MAX_LINES 1000000
/* The most pages read: poppler keeps every page it has opened (a few KB
 * each), so a document of 200,000 one-line pages would cost a gigabyte. */
#define PDF_MAX_PAGES 20000

typedef struct page_lines {
    pline *lines;
    size_t count;
    double width;
} page_lines;

static int is_space_cp(gunichar c)
{
    return c == ' ' || c == '\t' || c == 0xA0;
}

/* The size most of a line's characters are set in: a few distinct sizes
 * counted in one pass (a size within 0.1 of one already seen counts as it). */
typedef struct size_tally {
    double size[16];
    size_t count[16];
    size_t n;
} size_tally;

static void tally_add(size_tally *t, double size)
{
    for (size_t j = 0; j < t->n; j++)
        if (fabs(t->size[j] - size) < 0.1) {
            t->count[j]++;
            return;
        }
    if (t->n < sizeof t->size / sizeof t->size[0]) {
        t->size[t->n] = size;
        t->count[t->n++] = 1;
    }
}

static size_t tally_of(const size_tally *t, double size)
{
    for (size_t j = 0; j < t->n; j++)
        if (fabs(t->size[j] - size) < 0.1)
            return t->count[j];
    return 0;
}

/* Splits one page's text into lines with their geometry and type.  Linear in
 * the page's characters: every index into the per-character arrays moves
 * with the pointer into the text.  Stops early (the page cut) once the
 * builder's time is spent; -1 on allocation failure. */
static int read_page(PopplerPage *page, unsigned pno, page_lines *out, const rd_builder *b)
{
    memset(out, 0, sizeof *out);
    double w = 0, h = 0;
    poppler_page_get_size(page, &w, &h);
    out->width = w;
    char *text = poppler_page_get_text(page);
    if (!text)
        return 0;
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    poppler_page_get_text_layout(page, &rects, &nrects);
    GList *attrs = poppler_page_get_text_attributes(page);
    glong nchars = g_utf8_strlen(text, -1);
    double *sizes = calloc((size_t)nchars + 1, sizeof *sizes);
    char *bold = calloc((size_t)nchars + 1, 1);
    if (!sizes || !bold) {
        free(sizes);
        free(bold);
        g_free(text);
        g_free(rects);
        poppler_page_free_text_attributes(attrs);
        return -1;
    }
    for (GList *l = attrs; l; l = l->next) {
        PopplerTextAttributes *a = l->data;
        int bd = a->font_name && (strstr(a->font_name, "Bold") || strstr(a->font_name, "bold"));
        for (gint k = a->start_index > 0 ? a->start_index : 0; k <= a->end_index && k < nchars; k++) {
            sizes[k] = a->font_size;
            bold[k] = (char)bd;
        }
    }
    size_t cap = 0;
    int rc = 0;
    const char *p = text;
    glong ci = 0;
    for (size_t nline = 0; *p && rc == 0; nline++) {
        if ((nline & 1023) == 1023 && rb_late(b))
            break; /* the caller says the time ran out */
        const char *eol = strchr(p, '\n');
        size_t blen = eol ? (size_t)(eol - p) : strlen(p);
        /* dominant size, geometry */
        double top = 1e9, bottom = -1e9, left = 1e9, right = -1e9, dom = 0;
        int allbold = 1, any = 0;
        size_tally tally = {{0}, {0}, 0};
        glong k = ci;
        for (const char *q = p; q < p + blen; q = g_utf8_next_char(q), k++)
            if (k < nchars)
                tally_add(&tally, sizes[k]);
        size_t best = 0;
        k = ci;
        const char *q = p;
        for (; q < p + blen && k < nchars; q = g_utf8_next_char(q), k++) {
            gunichar c = g_utf8_get_char(q);
            if (is_space_cp(c))
                continue;
            any = 1;
            if ((guint)k < nrects) {
                PopplerRectangle *r = &rects[k];
                top = fmin(top, fmin(r->y1, r->y2));
                bottom = fmax(bottom, fmax(r->y1, r->y2));
                left = fmin(left, fmin(r->x1, r->x2));
                right = fmax(right, fmax(r->x1, r->x2));
            }
            allbold &= bold[k];
            size_t cnt = tally_of(&tally, sizes[k]); /* the size that covers the most characters */
            if (cnt > best) {
                best = cnt;
                dom = sizes[k];
            }
        }
        glong lchars = k - ci;
        for (; q < p + blen; q = g_utf8_next_char(q))
            lchars++; /* characters past nchars (never, unless poppler miscounts) */
        if (any) {
            if (out->count == cap) {
                cap = cap ? cap * 2 : 8;
                pline *np = realloc(out->lines, cap * sizeof *np);
                if (!np) {
                    rc = -1;
                    break;
                }
                out->lines = np;
            }
            pline *pl = &out->lines[out->count];
            memset(pl, 0, sizeof *pl);
            pl->top = top;
            pl->bottom = bottom;
            pl->left = left;
            pl->right = right;
            pl->size = dom;
            pl->bold = allbold;
            pl->page = pno;
            /* text, with raised small digits after a letter or mark taken out as citations */
            rd_buf t = {0};
            int *cites = NULL;
            size_t ncites = 0, cites_cap = 0;
            q = p;
            k = ci;
            while (q < p + blen) {
                gunichar c = g_utf8_get_char(q);
                const char *next = g_utf8_next_char(q);
                double sk = k < nchars ? sizes[k] : 0;
                /* a gap wider than a third of the type with no space in the text: cells of a table row */
                if (k > ci && (guint)k < nrects && t.len && t.s[t.len - 1] != ' ' && !is_space_cp(c) && dom > 0 &&
                    fmin(rects[k].x1, rects[k].x2) - fmax(rects[k - 1].x1, rects[k - 1].x2) > dom * 0.33)
                    rd_buf_putc(&t, ' ');
                if (c < 0x80 && isdigit((int)c) && dom > 0 && sk > 0 && sk < dom * 0.8 && t.len > 0 && k > ci) {
                    int v = 0;
                    glong m = k;
                    const char *r = q;
                    while (r < p + blen && m < nchars && isdigit((unsigned char)*r) && sizes[m] < dom * 0.8 &&
                           v < 100000) {
                        v = v * 10 + (*r - '0');
                        r++;
                        m++;
                    }
                    if (t.len && t.s[t.len - 1] == ' ')
                        t.len--; /* "thứ 7 ²": the space was the layout's */
                    if (ncites == cites_cap) {
                        size_t nc_cap = cites_cap ? cites_cap * 2 : 4;
                        int *nc = realloc(cites, nc_cap * sizeof *nc);
                        if (nc) {
                            cites = nc;
                            cites_cap = nc_cap;
                        }
                    }
                    if (ncites < cites_cap)
                        cites[ncites++] = v;
                    k = m;
                    q = r;
                    continue;
                }
                rd_buf_append(&t, q, (size_t)(next - q));
                q = next;
                k++;
            }
            pl->text = t.s ? t.s : strdup("");
            pl->cites = cites;
            pl->ncites = ncites;
            if (!pl->text)
                rc = -1;
            out->count++;
        }
        ci += lchars + (eol ? 1 : 0);
        if (!eol)
            break;
        p = eol + 1;
    }
    free(sizes);
    free(bold);
    g_free(text);
    g_free(rects);
    poppler_page_free_text_attributes(attrs);
    return rc;
}

static void free_pages(page_lines *pages, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < pages[i].count; k++) {
            free(pages[i].lines[k].text);
            free(pages[i].lines[k].cites);
        }
        free(pages[i].lines);
    }
    free(pages);
}

/* A line's text with digits made '#': what repeats on every page. */
static void shape_of(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++)
        out[o++] = isdigit((unsigned char)*s) ? '#' : *s;
    out[o] = '\0';
}

/* "12", "- 12 -", "Trang 12", "Page 3 of 9", "12/40". */
static int is_page_number(const char *s)
{
    while (*s == ' ' || *s == '-' || *s == '[' || *s == '(')
        s++;
    static const char *const words[] = {"Trang ", "trang ", "Page ", "page ", "p. ", "Tr. "};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strncmp(s, words[i], strlen(words[i])))
            s += strlen(words[i]);
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s))
        s++;
    while (*s == ' ')
        s++;
    if (*s == '/' || !strncmp(s, "of ", 3) || !strncmp(s, "trên ", strlen("trên "))) {
        s += *s == '/' ? 1 : !strncmp(s, "of ", 3) ? 3 : strlen("trên ");
        while (*s == ' ')
            s++;
        while (isdigit((unsigned char)*s))
            s++;
    }
    while (*s == ' ' || *s == '-' || *s == ']' || *s == ')')
        s++;
    return *s == '\0';
}

/* The hash of a line's shape (shape_of): what recurs on every page. */
static uint64_t shape_hash(const char *s)
{
    char shape[256];
    shape_of(s, shape, sizeof shape);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *c = shape; *c; c++) {
        h ^= (unsigned char)*c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The first of the sorted hashes above h (or_equal: at or above h). */
static size_t first_above(const uint64_t *sorted, size_t n, uint64_t h, int or_equal)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < h || (!or_equal && sorted[mid] == h))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* How many of the sorted hashes equal h: two binary searches, so a
 * document whose every page has the same header costs n log n too. */
static size_t count_of(const uint64_t *sorted, size_t n, uint64_t h)
{
    return first_above(sorted, n, h, 0) - first_above(sorted, n, h, 1);
}

/* Marks running headers and footers: the top or bottom line of a page
 * whose shape recurs on at least half the pages (and two), or a page number.
 * The shapes are hashed and sorted, so a document of many pages costs
 * n log n, not n squared. */
static void drop_running_lines(page_lines *pages, size_t n)
{
    uint64_t *hashes = n >= 2 ? malloc(n * sizeof *hashes) : NULL, *sorted = hashes ? malloc(n * sizeof *sorted) : NULL;
    for (int end = 0; end < 2; end++) {
        size_t m = 0;
        for (size_t i = 0; i < n && sorted; i++) {
            if (!pages[i].count)
                continue;
            pline *l = end ? &pages[i].lines[pages[i].count - 1] : &pages[i].lines[0];
            hashes[i] = shape_hash(l->text);
            sorted[m++] = hashes[i];
        }
        if (sorted)
            qsort(sorted, m, sizeof *sorted, cmp_u64);
        for (size_t i = 0; i < n; i++) {
            if (!pages[i].count)
                continue;
            pline *l = end ? &pages[i].lines[pages[i].count - 1] : &pages[i].lines[0];
            if (is_page_number(l->text)) {
                l->dropped = 1;
                continue;
            }
            if (n < 2 || !sorted)
                continue; /* (out of memory: headers kept, nothing lost) */
            size_t same = count_of(sorted, m, hashes[i]);
            if (same >= 2 && same * 2 >= n)
                l->dropped = 1;
        }
    }
    free(hashes);
    free(sorted);
    /* a page number just above a dropped footer, or below a dropped header */
    for (size_t i = 0; i < n; i++) {
        page_lines *pg = &pages[i];
        if (pg->count >= 2 && pg->lines[pg->count - 1].dropped && is_page_number(pg->lines[pg->count - 2].text))
            pg->lines[pg->count - 2].dropped = 1;
        if (pg->count >= 2 && pg->lines[0].dropped && is_page_number(pg->lines[1].text))
            pg->lines[1].dropped = 1;
    }
}

/* The body's type size: the one most characters are set in. */
static double body_size(page_lines *pages, size_t n)
{
    double sizes[64] = {0}, weight[64] = {0};
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < pages[i].count; k++) {
            pline *l = &pages[i].lines[k];
            if (l->dropped || l->size <= 0)
                continue;
            size_t j = 0;
            while (j < ns && fabs(sizes[j] - l->size) > 0.1)
                j++;
            if (j == ns && ns < 64)
                sizes[ns++] = l->size;
            if (j < ns)
                weight[j] += (double)strlen(l->text);
        }
    double best = 0, size = 0;
    for (size_t j = 0; j < ns; j++)
        if (weight[j] > best) {
            best = weight[j];
            size = sizes[j];
        }
    return size;
}

/* Footnotes: from the bottom of each page up, the run of smaller lines; a
 * line in it that starts with a number opens a note. */
static void find_notes(page_lines *pages, size_t n, double body)
{
    for (size_t i = 0; i < n; i++) {
        page_lines *pg = &pages[i];
        size_t k = pg->count;
        while (k > 0 && pg->lines[k - 1].dropped)
            k--;
        size_t first = k;
        while (first > 0 && !pg->lines[first - 1].dropped && pg->lines[first - 1].size > 0 &&
               pg->lines[first - 1].size < body * 0.9)
            first--;
        /* the run must start with a numbered line to be notes */
        while (first < k && !isdigit((unsigned char)pg->lines[first].text[0]))
            first++;
        int last = 0;
        for (size_t m = first; m < k; m++) {
            pline *l = &pg->lines[m];
            l->is_note = 1;
            if (isdigit((unsigned char)l->text[0])) {
                int v = 0;
                size_t d = 0;
                while (isdigit((unsigned char)l->text[d]) && d < 6)
                    v = v * 10 + (l->text[d++] - '0');
                /* a number opens a note when it is the next one (or the
                 * page's first); "2022, và ..." is a body running on */
                if (v > 0 && (last == 0 || v == last + 1)) {
                    l->note_start = v;
                    last = v;
                    memmove(l->text, l->text + d, strlen(l->text + d) + 1);
                }
            }
        }
    }
}

static int starts_item(const char *s)
{
    if (!strncmp(s, "• ", strlen("• ")) || !strncmp(s, "◦ ", strlen("◦ ")) || !strncmp(s, "▪ ", strlen("▪ ")) ||
        !strncmp(s, "· ", strlen("· ")) || !strncmp(s, "- ", 2) || !strncmp(s, "– ", strlen("– ")))
        return 1;
    size_t i = 0;
    while (isdigit((unsigned char)s[i]) || s[i] == '.')
        i++;
    if (i > 0 && s[i - 1] == '.' && s[i] == ' ')
        return 1;
    i = 0;
    while (s[i] && strchr("ivxIVX", s[i]))
        i++;
    return i > 0 && i <= 4 && (s[i] == '.' || s[i] == ')') && s[i + 1] == ' ';
}

static int ends_sentence(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '"' || s[n - 1] == ')'))
        n--;
    if (n >= 3 && (!strncmp(s + n - 3, "”", 3) || !strncmp(s + n - 3, "’", 3)))
        n -= 3;
    return n > 0 && strchr(".!?:;", s[n - 1]);
}

static int is_bullet_glyph(const char *s, size_t *len)
{
    static const char *const glyphs[] = {"• ", "◦ ", "▪ ", "· "};
    for (size_t i = 0; i < sizeof glyphs / sizeof glyphs[0]; i++)
        if (!strncmp(s, glyphs[i], strlen(glyphs[i]))) {
            *len = strlen(glyphs[i]);
            return 1;
        }
    return 0;
}

/* Appends a line to the pending block, undoing hyphenation at the join. */
static void join_line(rd_builder *b, rd_buf *para, const char *s)
{
    if (para->len && para->s[para->len - 1] == '-') {
        /* the fragment before: letters back to a space */
        size_t a = para->len - 1;
        int plain = 1, hyphen_before = 0;
        size_t letters = 0;
        while (a > 0 && para->s[a - 1] != ' ' && para->len - a < 64) { /* a word, not a page of letters */
            unsigned char c = (unsigned char)para->s[a - 1];
            if (c == '-')
                hyphen_before = 1;
            else if (c >= 0x80 || !isalpha(c))
                plain = 0;
            else
                letters++;
            a--;
        }
        int after_plain = islower((unsigned char)s[0]) != 0;
        for (size_t i = 0; s[i] && s[i] != ' ' && after_plain; i++)
            if ((unsigned char)s[i] >= 0x80 || s[i] == '-')
                after_plain = 0;
        if (plain && !hyphen_before && letters >= 2 && after_plain)
            para->len--; /* Minis- terial: hyphenation */
        rd_buf_append(para, s, strlen(s));
    } else {
        /* "2004–" "2022": a dash that ends a line with no space before it
         * binds the next line's word (LibreOffice and Word break after it) */
        size_t l = para->len;
        int dash = l >= 4 && (!memcmp(para->s + l - 3, "–", 3) || !memcmp(para->s + l - 3, "—", 3)) &&
                   para->s[l - 4] != ' ';
        if (para->len && !dash)
            rd_buf_putc(para, ' ');
        rd_buf_append(para, s, strlen(s));
    }
    (void)b;
}

typedef struct assembler {
    rd_builder *b;
    rd_buf para;
    int *cites;
    size_t ncites, cites_cap;
    rd_kind kind;
    int level;
    unsigned page;
    double last_bottom, last_size, last_right, last_left;
    int open;
    int ocr, confidence; /* the pending paragraph came from OCR, with this confidence */
    /* notes waiting for the end of the paragraph that cites them */
    struct pnote {
        int number;
        rd_buf text;
        int done;      /* emitted (or dropped) */
        unsigned page;
    } *notes;
    size_t nnotes, notes_cap;
} assembler;

/* How far back a citation looks for its note. */
#define NOTES_WINDOW 256

static void emit_note(assembler *as, struct pnote *pn)
{
    rd_builder *b = as->b;
    b->page = pn->page;
    rb_text(b, pn->text.s, pn->text.len);
    rd_block *blk = rb_end(b, RD_NOTE, 0);
    if (blk)
        blk->note = pn->number;
    rd_buf_free(&pn->text);
    pn->done = 1;
}

static void flush(assembler *as)
{
    if (!as->open)
        return;
    as->open = 0;
    rd_builder *b = as->b;
    b->page = as->page;
    b->flags = as->ocr ? RD_FLAG_OCR : 0;
    b->confidence = as->confidence;
    rb_text(b, as->para.s, as->para.len);
    for (size_t i = 0; i < as->ncites; i++)
        rb_cite(b, as->cites[i]);
    rb_end(b, as->kind, as->level);
    b->flags = 0;
    as->para.len = 0;
    as->ncites = 0;
    /* the notes this paragraph cites, now that it has ended */
    int *cited = b->doc->count ? b->doc->blocks[b->doc->count - 1].cites : NULL;
    size_t nc = b->doc->count ? b->doc->blocks[b->doc->count - 1].ncites : 0;
    /* among the latest notes only: a note is cited near where it is set,
     * and a document of endless notes must not cost notes x citations */
    size_t from = as->nnotes > NOTES_WINDOW ? as->nnotes - NOTES_WINDOW : 0;
    for (size_t c = 0; c < nc && c < NOTES_WINDOW; c++)
        for (size_t i = from; i < as->nnotes; i++)
            if (!as->notes[i].done && as->notes[i].number == cited[c])
                emit_note(as, &as->notes[i]);
}

static void add_cites(assembler *as, const pline *l)
{
    for (size_t i = 0; i < l->ncites; i++) {
        if (as->ncites == as->cites_cap) {
            size_t cap = as->cites_cap ? as->cites_cap * 2 : 8;
            int *p = realloc(as->cites, cap * sizeof *p);
            if (!p)
                return;
            as->cites = p;
            as->cites_cap = cap;
        }
        as->cites[as->ncites++] = l->cites[i];
    }
}

/* A page without a text layer, read by OCR: its paragraphs as lines.
 * Tesseract starts at the first such page; *ocr_rc keeps why it could not
 * (no model), so that the file can say so once. */
static int ocr_page(const char *data, size_t len, PopplerPage *page, unsigned pno, size_t npages,
                    const rd_options *o, rd_builder *b, rd_ocr **ocr, int *ocr_rc, char *ocr_err, size_t errcap,
                    page_lines *out)
{
    const rd_ocr_ops *ops = rd_ocr_linked();
    if ((o && o->no_ocr) || !ops || *ocr_rc)
        return *ocr_rc == RD_ERR_NOMEM ? RD_ERR_NOMEM : RD_OK;
    if (!*ocr && (*ocr_rc = ops->open(o, RD_FORMAT_PDF, data, len, ocr, ocr_err, errcap)) != RD_OK)
        return *ocr_rc == RD_ERR_NOMEM ? RD_ERR_NOMEM : RD_OK;
    rd_ocr_page op;
    int rc = ops->pdf_page(*ocr, page, pno, npages, b, &op);
    if (rc != RD_OK)
        return rc;
    out->lines = calloc(op.count + 1, sizeof *out->lines);
    if (!out->lines) {
        ops->page_free(&op);
        return RD_ERR_NOMEM;
    }
    for (size_t i = 0; i < op.count; i++) {
        out->lines[i] = (pline){.text = op.paras[i], .page = pno, .ocr = 1, .confidence = op.confidence};
        op.paras[i] = NULL;
    }
    out->count = op.count;
    ops->page_free(&op);
    return RD_OK;
}

int rd_read_pdf(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                size_t errcap)
{
    (void)path;
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    if (!doc) {
        int enc = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        snprintf(err, errcap, "%s", enc ? _("encrypted (password-protected); not read")
                                        : _("not a PDF poppler can read (damaged or truncated?)"));
        if (gerr)
            g_error_free(gerr);
        g_bytes_unref(bytes);
        return enc ? RD_ERR_ENCRYPTED : RD_ERR_DAMAGED;
    }
    int npages = poppler_document_get_n_pages(doc);
    b->doc->pages = npages > 0 ? (size_t)npages : 0;
    page_lines *pages = calloc((size_t)(npages > 0 ? npages : 1), sizeof *pages);
    int rc = pages ? RD_OK : RD_ERR_NOMEM;
    size_t chars = 0, lines = 0;
    int read = 0;
    rd_ocr *ocr = NULL;
    int ocr_rc = RD_OK;
    char ocr_err[512] = "";
    size_t unread = 0; /* pages without text left unread (no OCR model) */
    for (int i = 0; i < npages && rc == RD_OK; i++, read++) {
        if (rb_late(b)) {
            rb_warn(b, 0, _("stopped at page %d of %d: past the time limit"), i + 1, npages);
            break;
        }
        if (i == PDF_MAX_PAGES) {
            rb_warn(b, 0, _("more than %d pages; pages %d to %d are not indexed"), PDF_MAX_PAGES, i + 1, npages);
            break;
        }
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        if (read_page(page, (unsigned)i + 1, &pages[i], b) != 0)
            rc = RD_ERR_NOMEM;
        if (rc == RD_OK && pages[i].count == 0) {
            rc = ocr_page(data, len, page, (unsigned)i + 1, (size_t)npages, o, b, &ocr, &ocr_rc, ocr_err,
                          sizeof ocr_err, &pages[i]);
            unread += ocr_rc == RD_ERR_NO_OCR_MODEL;
        }
        for (size_t k = 0; k < pages[i].count; k++)
            chars += strlen(pages[i].lines[k].text);
        lines += pages[i].count;
        if (pages[i].count) { /* the lines' array to its size: a page of one line costs one */
            pline *fit = realloc(pages[i].lines, pages[i].count * sizeof *fit);
            if (fit)
                pages[i].lines = fit;
        }
        g_object_unref(page);
        if (rb_late(b)) {
            rb_warn(b, 0, _("stopped at page %d of %d: past the time limit"), i + 1, npages);
            read++;
            break;
        }
        if (chars > b->text_limit) {
            rb_warn(b, 0, _("stopped at page %d of %d: more than %zu MiB of text"), i + 1, npages, b->text_limit >> 20);
            read++;
            break;
        }
        if (lines > PDF_MAX_LINES) { /* each line costs its geometry: memory bounded in lines too */
            rb_warn(b, 0, _("stopped at page %d of %d: more than %zu lines"), i + 1, npages, (size_t)PDF_MAX_LINES);
            read++;
            break;
        }
    }
    if (ocr)
        rd_ocr_linked()->close(ocr);
    if (rc == RD_OK && npages > 0 && chars == 0) {
        if (ocr_rc == RD_ERR_NO_OCR_MODEL) {
            snprintf(err, errcap,
                     dngettext(RD_TEXTDOMAIN, "no text layer (%d page of images), and %s",
                               "no text layer (%d pages of images), and %s", (unsigned long)npages),
                     npages, ocr_err);
            rc = RD_ERR_NO_OCR_MODEL;
        } else {
            snprintf(err, errcap,
                     dngettext(RD_TEXTDOMAIN, "no text layer: scanned? (%d page of images; %s)",
                               "no text layer: scanned? (%d pages of images; %s)", (unsigned long)npages),
                     npages,
                     o && o->no_ocr       ? _("OCR is off (--no-ocr)")
                     : !rd_ocr_linked() ? _("not read by OCR here")
                                          : _("OCR found no text"));
            rc = RD_ERR_NO_TEXT;
        }
    } else if (rc == RD_OK && unread) {
        rb_warn(b, 0,
                dngettext(RD_TEXTDOMAIN, "%zu page without a text layer not read: %s",
                          "%zu pages without a text layer not read: %s", (unsigned long)unread),
                unread, ocr_err);
        b->doc->ocr_unread += unread;
    }
    if (rc == RD_OK) {
        size_t n = (size_t)read;
        drop_running_lines(pages, n);
        double body = body_size(pages, n);
        find_notes(pages, n, body);
        /* heading sizes, largest first, give the levels */
        double hsizes[8];
        size_t nh = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < pages[i].count; k++) {
                pline *l = &pages[i].lines[k];
                if (l->dropped || l->is_note || l->ocr || l->size < body * 1.05)
                    continue;
                size_t j = 0;
                while (j < nh && fabs(hsizes[j] - l->size) > 0.1)
                    j++;
                if (j == nh && nh < 8)
                    hsizes[nh++] = l->size;
            }
        for (size_t i = 0; i + 1 < nh; i++)
            for (size_t j = i + 1; j < nh; j++)
                if (hsizes[j] > hsizes[i]) {
                    double t = hsizes[i];
                    hsizes[i] = hsizes[j];
                    hsizes[j] = t;
                }
        assembler as;
        memset(&as, 0, sizeof as);
        as.b = b;
        for (size_t i = 0; i < n && !rb_full(b); i++) {
            if (rb_late(b)) {
                rb_warn(b, 0, _("stopped at page %zu of %d: past the time limit"), i + 1, npages);
                break;
            }
            page_lines *pg = &pages[i];
            /* the page's notes, kept until their citing paragraph ends */
            for (size_t k = 0; k < pg->count; k++) {
                pline *l = &pg->lines[k];
                if (!l->is_note || l->dropped)
                    continue;
                if (l->note_start || !as.nnotes) {
                    if (as.nnotes == as.notes_cap) {
                        size_t cap = as.notes_cap ? as.notes_cap * 2 : 16;
                        void *p = realloc(as.notes, cap * sizeof *as.notes);
                        if (!p)
                            break;
                        as.notes = p;
                        as.notes_cap = cap;
                    }
                    struct pnote *pn = &as.notes[as.nnotes++];
                    *pn = (struct pnote){l->note_start, {0}, 0, l->page};
                    rd_buf_append(&pn->text, l->text, strlen(l->text));
                } else if (!as.notes[as.nnotes - 1].done) {
                    join_line(b, &as.notes[as.nnotes - 1].text, l->text);
                }
            }
            for (size_t k = 0; k < pg->count; k++) {
                pline *l = &pg->lines[k];
                if (l->dropped || l->is_note)
                    continue;
                if (rd_toc_entry(l->text, strlen(l->text))) {
                    flush(&as); /* a table of contents' line: no text, and ends what came before */
                    continue;
                }
                int heading = !l->ocr && nh && l->size >= body * 1.05;
                int level = 1;
                for (size_t j = 0; j < nh; j++)
                    if (fabs(hsizes[j] - l->size) <= 0.1)
                        level = (int)j + 1;
                size_t tl = strlen(l->text);
                if (!heading && !l->ocr && l->bold && tl && !strchr(".;,", l->text[tl - 1]) && tl < 120 &&
                    l->right < pg->width * 0.7) {
                    heading = 1; /* a bold line of its own, in body type: the lowest heading level */
                    level = (int)nh + 1;
                }
                size_t glyph = 0;
                int bullet = is_bullet_glyph(l->text, &glyph);
                const char *s = l->text + glyph;
                double gap = as.open ? l->top - as.last_bottom : 0;
                int new_page = as.open && as.page != l->page;
                int breaks = !as.open || heading || as.kind == RD_HEADING || bullet || starts_item(l->text) ||
                             fabs(l->size - as.last_size) > 0.1 ||
                             (!new_page && gap > l->size * 0.9) ||
                             (ends_sentence(as.para.s ? as.para.s : "", as.para.len) && as.last_right < pg->width * 0.72);
                if (new_page && !heading && !bullet && !starts_item(l->text) && !ends_sentence(as.para.s ? as.para.s : "", as.para.len) &&
                    as.kind != RD_HEADING && islower((unsigned char)s[0]))
                    breaks = 0; /* a paragraph running on to the next page */
                else if (new_page && as.open && ends_sentence(as.para.s ? as.para.s : "", as.para.len))
                    breaks = 1;
                if (l->ocr || as.ocr)
                    breaks = 1; /* OCR found the paragraphs */
                if (breaks) {
                    flush(&as);
                    as.open = 1;
                    as.kind = heading ? RD_HEADING : bullet ? RD_LIST_ITEM : RD_PARAGRAPH;
                    as.level = heading ? level : bullet ? 1 : 0;
                    as.page = l->page;
                    as.ocr = l->ocr;
                    as.confidence = l->confidence;
                }
                join_line(b, &as.para, s);
                add_cites(&as, l);
                as.last_bottom = l->bottom;
                as.last_size = l->size;
                as.last_right = l->right;
                as.last_left = l->left;
                if (as.page != l->page && !as.open)
                    as.page = l->page;
            }
        }
        flush(&as);
        /* notes no paragraph cited (their mark was not found raised) */
        for (size_t i = 0; i < as.nnotes; i++)
            if (!as.notes[i].done)
                emit_note(&as, &as.notes[i]);
        free(as.notes);
        free(as.cites);
        rd_buf_free(&as.para);
    }
    free_pages(pages, (size_t)(npages > 0 ? npages : 0));
    g_object_unref(doc);
    g_bytes_unref(bytes);
    return rc;
}

void rd_pdf_enable(void)
{
    rd_pdf_register(rd_read_pdf);
}
