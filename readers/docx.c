/*
 * .docx (WordprocessingML) -> blocks.
 *
 * Three parts matter: word/styles.xml says which paragraph styles are
 * headings (an outline level, or a name "heading N") and which are lists;
 * word/footnotes.xml and word/endnotes.xml hold the note bodies;
 * word/document.xml is the text.  What Word shows is what is read: the text
 * of fields as displayed (their codes skipped), tracked changes as accepted
 * (deletions and moved-away text skipped, insertions kept), each note body
 * right after the paragraph that cites it, numbered in order of citation
 * as Word numbers them.  Headers, footers and comments are not text of the
 * document and are left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define MC_NS "http://schemas.openxmlformats.org/markup-compatibility/2006"

typedef struct style {
    char *id, *based_on;
    int level;  /* 1..9 heading, 0 none, -1 not said (inherit) */
    int list;   /* has numbering: -1 not said */
} style;

typedef struct note_body {
    char *id;
    int endnote;
    rd_buf text;
    int number; /* 0 until cited */
} note_body;

typedef struct docx {
    rd_builder *b;
    style *styles;
    size_t nstyles, styles_cap;
    note_body *notes;
    size_t nnotes, notes_cap;
    int next_footnote, next_endnote;
    /* styles.xml */
    style cur_style;
    int in_style;
    /* notes parts */
    note_body *cur_note;
    int note_endnote;
    /* document.xml */
    int in_t;          /* inside w:t: characters are text */
    int skip;          /* inside w:del, w:moveFrom, mc:Fallback, w:instrText...: depth */
    int p_depth;       /* nested w:p (text boxes) */
    int tbl_depth;
    unsigned table, row, col;
    char p_style[128];
    int p_level;       /* outline level set on the paragraph itself (1..9), 0 none, -1 not said */
    int p_list;        /* numbering on the paragraph: ilvl + 1, or 0 */
    int in_ppr;
    long *pending;     /* notes cited in the current paragraph or cell, to emit after it */
    size_t npending, pending_cap;
    int failed;
} docx;

static int is_w(const char *ns)
{
    return strcmp(ns, W_NS) == 0;
}

static char *dup_attr(int nattrs, const char **attrs, const char *name)
{
    char buf[256];
    return rd_attr(nattrs, attrs, name, buf, sizeof buf) ? strdup(buf) : NULL;
}

static int attr_int(int nattrs, const char **attrs, const char *name, int dflt)
{
    char buf[32];
    return rd_attr(nattrs, attrs, name, buf, sizeof buf) ? atoi(buf) : dflt;
}

/* ------------------------------------------------------------ styles */

static int heading_level_of_name(const char *name)
{
    if (strncasecmp(name, "heading ", 8) == 0 && name[8] >= '1' && name[8] <= '9' && !name[9])
        return name[8] - '0';
    if (strcasecmp(name, "title") == 0)
        return 1;
    return -1;
}

static void styles_start(void *ctx, const char *name, const char *ns, int nattrs, const char **attrs)
{
    docx *d = ctx;
    if (!is_w(ns))
        return;
    if (!strcmp(name, "style")) {
        if (d->in_style) { /* a style inside a style: the outer one is dropped */
            free(d->cur_style.id);
            free(d->cur_style.based_on);
        }
        d->in_style = 1;
        memset(&d->cur_style, 0, sizeof d->cur_style);
        d->cur_style.id = dup_attr(nattrs, attrs, "styleId");
        d->cur_style.level = -1;
        d->cur_style.list = -1;
    } else if (d->in_style && !strcmp(name, "name")) {
        char v[128];
        if (rd_attr(nattrs, attrs, "val", v, sizeof v) && d->cur_style.level < 0)
            d->cur_style.level = heading_level_of_name(v);
    } else if (d->in_style && !strcmp(name, "basedOn")) {
        free(d->cur_style.based_on);
        d->cur_style.based_on = dup_attr(nattrs, attrs, "val");
    } else if (d->in_style && !strcmp(name, "outlineLvl")) {
        int v = attr_int(nattrs, attrs, "val", 9);
        d->cur_style.level = v >= 0 && v < 9 ? v + 1 : 0;
    } else if (d->in_style && !strcmp(name, "numPr")) {
        d->cur_style.list = 1;
    }
}

static void styles_end(void *ctx, const char *name, const char *ns)
{
    docx *d = ctx;
    if (!is_w(ns) || strcmp(name, "style") || !d->in_style)
        return;
    d->in_style = 0;
    if (!d->cur_style.id) {
        free(d->cur_style.based_on);
        return;
    }
    if (d->nstyles == d->styles_cap) {
        size_t cap = d->styles_cap ? d->styles_cap * 2 : 64;
        style *p = realloc(d->styles, cap * sizeof *p);
        if (!p) {
            d->failed = 1;
            free(d->cur_style.id);
            free(d->cur_style.based_on);
            return;
        }
        d->styles = p;
        d->styles_cap = cap;
    }
    d->styles[d->nstyles++] = d->cur_style;
}

static const style *find_style(const docx *d, const char *id)
{
    for (size_t i = 0; id && i < d->nstyles; i++)
        if (!strcmp(d->styles[i].id, id))
            return &d->styles[i];
    return NULL;
}

/* A style's heading level and list flag, following basedOn (at most 10 deep:
 * a cycle in a hostile file ends there). */
static void style_facts(const docx *d, const char *id, int *level, int *list)
{
    *level = -1;
    *list = -1;
    const style *s = find_style(d, id);
    for (int depth = 0; s && depth < 10 && (*level < 0 || *list < 0); depth++) {
        if (*level < 0)
            *level = s->level;
        if (*list < 0)
            *list = s->list;
        s = find_style(d, s->based_on);
    }
    if (*level < 0)
        *level = 0;
    if (*list < 0)
        *list = 0;
}

/* ------------------------------------------------------------- notes */

static note_body *find_note(docx *d, const char *id, int endnote)
{
    for (size_t i = 0; id && i < d->nnotes; i++)
        if (d->notes[i].endnote == endnote && !strcmp(d->notes[i].id, id))
            return &d->notes[i];
    return NULL;
}

static void notes_start(void *ctx, const char *name, const char *ns, int nattrs, const char **attrs)
{
    docx *d = ctx;
    if (!is_w(ns))
        return;
    if (!strcmp(name, "footnote") || !strcmp(name, "endnote")) {
        char type[64] = "";
        rd_attr(nattrs, attrs, "type", type, sizeof type);
        d->cur_note = NULL;
        if (type[0] && strcmp(type, "normal") != 0)
            return; /* separators and continuation notices */
        char *id = dup_attr(nattrs, attrs, "id");
        if (!id)
            return;
        if (d->nnotes == d->notes_cap) {
            size_t cap = d->notes_cap ? d->notes_cap * 2 : 16;
            note_body *p = realloc(d->notes, cap * sizeof *p);
            if (!p) {
                free(id);
                d->failed = 1;
                return;
            }
            d->notes = p;
            d->notes_cap = cap;
        }
        d->cur_note = &d->notes[d->nnotes++];
        memset(d->cur_note, 0, sizeof *d->cur_note);
        d->cur_note->id = id;
        d->cur_note->endnote = d->note_endnote;
    } else if (!strcmp(name, "t") && d->cur_note && !d->skip) {
        d->in_t = 1;
    } else if (!strcmp(name, "delText") || !strcmp(name, "instrText") || !strcmp(name, "del") ||
               !strcmp(name, "moveFrom")) {
        d->skip++;
    } else if (d->cur_note && (!strcmp(name, "tab") || !strcmp(name, "br") || !strcmp(name, "p"))) {
        rd_buf_putc(&d->cur_note->text, ' ');
    }
}

static void notes_end(void *ctx, const char *name, const char *ns)
{
    docx *d = ctx;
    if (!is_w(ns))
        return;
    if (!strcmp(name, "t"))
        d->in_t = 0;
    else if ((!strcmp(name, "delText") || !strcmp(name, "instrText") || !strcmp(name, "del") ||
              !strcmp(name, "moveFrom")) && d->skip)
        d->skip--;
    else if (!strcmp(name, "footnote") || !strcmp(name, "endnote"))
        d->cur_note = NULL;
}

static void notes_text(void *ctx, const char *s, size_t n)
{
    docx *d = ctx;
    if (d->in_t && d->cur_note && !d->skip)
        rd_buf_append(&d->cur_note->text, s, n);
}

/* ---------------------------------------------------------- document */

static void cite(docx *d, const char *id, int endnote)
{
    note_body *nb = find_note(d, id, endnote);
    if (!nb)
        return; /* a reference to nothing: the mark is dropped, as Word would show nothing */
    if (!nb->number) {
        nb->number = endnote ? ++d->next_endnote : ++d->next_footnote;
        if (d->npending == d->pending_cap) {
            size_t cap = d->pending_cap ? d->pending_cap * 2 : 8;
            long *p = realloc(d->pending, cap * sizeof *p);
            if (!p) {
                d->failed = 1;
                return;
            }
            d->pending = p;
            d->pending_cap = cap;
        }
        d->pending[d->npending++] = nb - d->notes;
    }
    rb_cite(d->b, nb->number);
}

static void emit_pending_notes(docx *d)
{
    for (size_t i = 0; i < d->npending; i++) {
        note_body *nb = &d->notes[d->pending[i]];
        rb_text(d->b, nb->text.s, nb->text.len);
        rd_block *blk = rb_end(d->b, RD_NOTE, 0);
        if (blk) {
            blk->note = nb->number;
            blk->endnote = nb->endnote;
        }
    }
    d->npending = 0;
}

static void end_paragraph(docx *d)
{
    int level, list;
    style_facts(d, d->p_style[0] ? d->p_style : "Normal", &level, &list);
    if (d->p_level >= 0)
        level = d->p_level;
    rd_block *blk;
    if (level > 0)
        blk = rb_end(d->b, RD_HEADING, level);
    else if (d->p_list || list)
        blk = rb_end(d->b, RD_LIST_ITEM, d->p_list ? d->p_list : 1);
    else
        blk = rb_end(d->b, RD_PARAGRAPH, 0);
    (void)blk;
    emit_pending_notes(d);
}

static int skipped_element(const char *name, const char *ns)
{
    if (!strcmp(ns, MC_NS))
        return !strcmp(name, "Fallback"); /* the same content again, for old readers */
    return is_w(ns) && (!strcmp(name, "del") || !strcmp(name, "moveFrom") || !strcmp(name, "delText") ||
                        !strcmp(name, "instrText") || !strcmp(name, "footnoteRef") || !strcmp(name, "endnoteRef"));
}

static void doc_start(void *ctx, const char *name, const char *ns, int nattrs, const char **attrs)
{
    docx *d = ctx;
    if (skipped_element(name, ns)) {
        d->skip++;
        return;
    }
    if (d->skip || !is_w(ns))
        return;
    char v[128];
    if (!strcmp(name, "p")) {
        if (d->p_depth++ == 0) {
            d->p_style[0] = '\0';
            d->p_level = -1;
            d->p_list = 0;
        } else {
            rb_text(d->b, " ", 1); /* a paragraph in a text box: part of its anchor's */
        }
    } else if (!strcmp(name, "pPr")) {
        d->in_ppr = d->p_depth == 1;
    } else if (d->in_ppr && !strcmp(name, "pStyle")) {
        rd_attr(nattrs, attrs, "val", d->p_style, sizeof d->p_style);
    } else if (d->in_ppr && !strcmp(name, "outlineLvl")) {
        int lv = attr_int(nattrs, attrs, "val", 9);
        d->p_level = lv >= 0 && lv < 9 ? lv + 1 : 0;
    } else if (d->in_ppr && !strcmp(name, "ilvl")) {
        int lv = attr_int(nattrs, attrs, "val", 0);
        d->p_list = lv >= 0 && lv < 9 ? lv + 1 : 1;
    } else if (d->in_ppr && !strcmp(name, "numId")) {
        if (attr_int(nattrs, attrs, "val", 0) == 0)
            d->p_list = -1; /* numId 0: numbering switched off */
        else if (d->p_list <= 0)
            d->p_list = 1;
    } else if (!strcmp(name, "t")) {
        d->in_t = 1;
    } else if (!strcmp(name, "tab") || !strcmp(name, "br") || !strcmp(name, "cr")) {
        if (!d->in_ppr)
            rb_text(d->b, " ", 1);
    } else if (!strcmp(name, "noBreakHyphen")) {
        rb_text(d->b, "-", 1);
    } else if (!strcmp(name, "footnoteReference") || !strcmp(name, "endnoteReference")) {
        if (rd_attr(nattrs, attrs, "id", v, sizeof v))
            cite(d, v, name[0] == 'e');
    } else if (!strcmp(name, "tbl")) {
        if (d->tbl_depth++ == 0) {
            d->table++;
            d->row = 0;
        }
    } else if (!strcmp(name, "tr") && d->tbl_depth == 1) {
        d->row++;
        d->col = 0;
    } else if (!strcmp(name, "tc") && d->tbl_depth == 1) {
        d->col++;
        d->p_depth = 0;
    }
}

static void doc_end(void *ctx, const char *name, const char *ns)
{
    docx *d = ctx;
    if (skipped_element(name, ns)) {
        if (d->skip)
            d->skip--;
        return;
    }
    if (d->skip || !is_w(ns))
        return;
    if (!strcmp(name, "t")) {
        d->in_t = 0;
    } else if (!strcmp(name, "pPr")) {
        d->in_ppr = 0;
    } else if (!strcmp(name, "p")) {
        if (d->p_depth > 0 && --d->p_depth == 0) {
            if (d->tbl_depth)
                rb_text(d->b, " ", 1); /* paragraphs of a cell make one cell */
            else
                end_paragraph(d);
        }
    } else if (!strcmp(name, "tc") && d->tbl_depth == 1) {
        rb_end_cell(d->b, d->table, d->row, d->col);
        emit_pending_notes(d);
    } else if (!strcmp(name, "tr") && d->tbl_depth == 1) {
        /* the last cell block of the row (notes may follow it) */
        rb_end_row(d->b, d->table, d->row);
    } else if (!strcmp(name, "tbl") && d->tbl_depth > 0) {
        d->tbl_depth--;
    }
}

static void doc_text(void *ctx, const char *s, size_t n)
{
    docx *d = ctx;
    if (d->in_t && !d->skip)
        rb_text(d->b, s, n);
}

int rd_read_docx(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                 size_t errcap)
{
    (void)path;
    rd_zip *z = NULL;
    int rc = rd_zip_open(data, len, &z, err, errcap);
    if (rc)
        return rc;
    docx d;
    memset(&d, 0, sizeof d);
    d.b = b;
    size_t budget = o && o->max_bytes ? o->max_bytes : RD_DEFAULT_MAX_BYTES;
    if (!rd_zip_has(z, "word/document.xml")) {
        snprintf(err, errcap, "%s", _("no word/document.xml: not a Word document"));
        rc = RD_ERR_DAMAGED;
    }
    rd_sax styles = {styles_start, styles_end, NULL, &d};
    if (rc == RD_OK && rd_zip_has(z, "word/styles.xml"))
        rc = rd_zip_parse(z, "word/styles.xml", &styles, &budget, b, err, errcap);
    rd_sax notes = {notes_start, notes_end, notes_text, &d};
    if (rc == RD_OK && rd_zip_has(z, "word/footnotes.xml"))
        rc = rd_zip_parse(z, "word/footnotes.xml", &notes, &budget, b, err, errcap);
    d.note_endnote = 1;
    d.skip = 0;
    if (rc == RD_OK && rd_zip_has(z, "word/endnotes.xml"))
        rc = rd_zip_parse(z, "word/endnotes.xml", &notes, &budget, b, err, errcap);
    d.skip = 0;
    d.in_t = 0;
    rd_sax body = {doc_start, doc_end, doc_text, &d};
    if (rc == RD_OK)
        rc = rd_zip_parse(z, "word/document.xml", &body, &budget, b, err, errcap);
    if (rc == RD_OK && rb_has_text(b)) /* a document cut off inside a paragraph */
        end_paragraph(&d);
    if (rc == RD_OK && d.failed)
        rc = RD_ERR_NOMEM;
    if (d.in_style) { /* styles.xml broken off inside a style */
        free(d.cur_style.id);
        free(d.cur_style.based_on);
    }
    for (size_t i = 0; i < d.nstyles; i++) {
        free(d.styles[i].id);
        free(d.styles[i].based_on);
    }
    free(d.styles);
    for (size_t i = 0; i < d.nnotes; i++) {
        free(d.notes[i].id);
        rd_buf_free(&d.notes[i].text);
    }
    free(d.notes);
    free(d.pending);
    rd_zip_close(z);
    return rc;
}
