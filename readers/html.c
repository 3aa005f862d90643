/*
 * .html / .htm -> blocks, with libxml2's HTML parser (which is forgiving,
 * as browsers are, and decodes every entity).
 *
 * Block elements end a block: h1-h6 are headings, li list items, td/th
 * table cells, hr a section break, and the rest (p, div, blockquote, pre,
 * dd, ...) paragraphs, unless they sit inside a list item or a cell, whose
 * text they then are.  Scripts, styles, navigation, forms and the <head>
 * are skipped.  Footnotes are linked as the tools that write HTML mark them:
 * HTML5's role="doc-noteref"/"doc-endnote" (pandoc, most converters), a
 * "footnotes" section, and Word's "Save as Web Page" (#_ftnN links to
 * mso-element:footnote divisions); the body goes after the citing block,
 * its back-link and the citation mark dropped.
 *
 * The encoding: a BOM or a declared charset (<meta charset>, or the
 * http-equiv form) is honoured, through libxml2 and iconv; a page declaring
 * none is decoded as vntext decodes a text file (UTF-8, UTF-16, or the
 * legacy Vietnamese encoding that reads as the most syllables).
 *
 * unrtf's HTML (RD_HTML_BR_BREAKS) marks no heading: a line whose text is
 * all bold, short and standing alone is one, levelled by its <font size>
 * (4 and up: 1, 3: 2, body size: 3), as LibreOffice and Word write them.
 */
#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "vntext.h"

#define STACK_MAX 256
/* The most tags a page is parsed with: libxml2's tree costs some 300 bytes
 * an element, so 3 million <p> would take a gigabyte; a long report saved
 * from Word has a tenth of this. */
#define HTML_MAX_TAGS 250000

typedef struct frame {
    rd_kind kind;
    int level;
    int counts;   /* this element is a block boundary */
} frame;

typedef struct note_target {
    xmlNodePtr node;
    char *id;
    rd_buf text;
    int number;
} note_target;

typedef struct html {
    rd_builder *b;
    note_target *notes;
    size_t nnotes, notes_cap;
    long *pending;
    size_t npending, pending_cap;
    int next_note;
    frame stack[STACK_MAX];
    int depth;             /* may pass STACK_MAX: the elements deeper read as inline */
    int deep_warned;
    int cell_depth, list_depth, tbl_depth;
    int br_breaks;
    size_t line_bytes, bold_bytes; /* br_breaks: the current line's letters, and those in bold */
    int line_size;                 /* br_breaks: its largest <font size> */
    unsigned table, row, col;
    int failed;
} html;

static const char *name_of(xmlNodePtr n)
{
    return n && n->name ? (const char *)n->name : "";
}

static int has_name(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcasecmp(name_of(n), name) == 0;
}

/* An attribute's value, or "" (caller frees with xmlFree if not empty). */
static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    return v ? (char *)v : NULL;
}

static int attr_has(xmlNodePtr n, const char *name, const char *needle)
{
    char *v = attr(n, name);
    int found = v && strcasestr(v, needle) != NULL;
    xmlFree(v);
    return found;
}

static int skipped_element(xmlNodePtr n)
{
    static const char *const names[] = {"head", "script", "style", "nav", "noscript", "template", "select",
                                        "button", "iframe", "object", "svg", "math", "form", "textarea"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (has_name(n, names[i]))
            return 1;
    return attr_has(n, "role", "navigation");
}

static int heading_level(xmlNodePtr n)
{
    const char *s = name_of(n);
    if ((s[0] == 'h' || s[0] == 'H') && s[1] >= '1' && s[1] <= '6' && !s[2])
        return s[1] - '0';
    return 0;
}

static int is_block(xmlNodePtr n)
{
    static const char *const names[] = {
        "p",       "div",    "blockquote", "pre",     "li",      "td",     "th",      "tr",     "table",
        "ul",      "ol",     "dl",         "dt",      "dd",      "section", "article", "main",  "aside",
        "header",  "footer", "figure",     "figcaption", "caption", "address", "center", "body", "hr",
        "details", "summary", "fieldset",  "legend",  "tbody",   "thead",  "tfoot",
    };
    if (heading_level(n))
        return 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (has_name(n, names[i]))
            return 1;
    return 0;
}

/* The next node of a depth-first walk of root's subtree after n: its first
 * child when `descend`, else its next sibling or an ancestor's; NULL at the
 * end.  No recursion, however deep a hostile page nests. */
static xmlNodePtr next_node(xmlNodePtr n, xmlNodePtr root, int descend)
{
    if (descend && n->children && n->type == XML_ELEMENT_NODE)
        return n->children;
    while (n && !n->next && n != root)
        n = n->parent;
    return !n || n == root ? NULL : n->next;
}

/* ------------------------------------------------------------- notes */

/* The note body an element belongs to, for Word's pages: the division with
 * mso-element:footnote (or endnote) around a #_ftnN anchor. */
static xmlNodePtr word_note_container(xmlNodePtr n)
{
    for (int i = 0; n && i < 8; i++, n = n->parent)
        if (n->type == XML_ELEMENT_NODE &&
            (attr_has(n, "style", "mso-element:footnote") || attr_has(n, "style", "mso-element:endnote")))
            return n;
    return NULL;
}

static int is_note_section(xmlNodePtr n)
{
    return (has_name(n, "section") || has_name(n, "div") || has_name(n, "aside") || has_name(n, "ol")) &&
           (attr_has(n, "role", "doc-endnotes") || attr_has(n, "role", "doc-footnotes") ||
            attr_has(n, "class", "footnotes"));
}

static note_target *find_target_node(html *h, xmlNodePtr n)
{
    for (size_t i = 0; i < h->nnotes; i++)
        if (h->notes[i].node == n)
            return &h->notes[i];
    return NULL;
}

static note_target *find_target_id(html *h, const char *id)
{
    for (size_t i = 0; i < h->nnotes; i++)
        if (h->notes[i].id && !strcmp(h->notes[i].id, id))
            return &h->notes[i];
    return NULL;
}

static void add_target(html *h, xmlNodePtr node, const char *id)
{
    if (find_target_node(h, node))
        return;
    if (h->nnotes == h->notes_cap) {
        size_t cap = h->notes_cap ? h->notes_cap * 2 : 16;
        note_target *p = realloc(h->notes, cap * sizeof *p);
        if (!p) {
            h->failed = 1;
            return;
        }
        h->notes = p;
        h->notes_cap = cap;
    }
    note_target *t = &h->notes[h->nnotes++];
    memset(t, 0, sizeof *t);
    t->node = node;
    t->id = strdup(id);
}

/* The element a "#id" link points to, if it is a note body. */
static xmlNodePtr note_body_for(xmlNodePtr root, const char *id)
{
    for (xmlNodePtr n = root; n;) {
        if (n->type == XML_ELEMENT_NODE) {
            char *i = attr(n, "id"), *nm = has_name(n, "a") ? attr(n, "name") : NULL;
            int match = (i && !strcmp(i, id)) || (nm && !strcmp(nm, id));
            xmlFree(i);
            xmlFree(nm);
            if (match) {
                if (attr_has(n, "role", "doc-endnote") || attr_has(n, "role", "doc-footnote"))
                    return n;
                for (xmlNodePtr p = n->parent; p; p = p->parent)
                    if (is_note_section(p))
                        return n;
                return word_note_container(n);
            }
        }
        n = next_node(n, root, 1);
    }
    return NULL;
}

/* A link back from a note to its citation: not text of the note. */
static int is_backlink(xmlNodePtr n)
{
    if (!has_name(n, "a"))
        return 0;
    if (attr_has(n, "role", "doc-backlink") || attr_has(n, "class", "footnote-back"))
        return 1;
    char *href = attr(n, "href");
    int back = href && href[0] == '#' && (strstr(href, "ref") != NULL);
    xmlFree(href);
    return back;
}

/* The text of a subtree, minus back-links, into out. */
static void subtree_text(xmlNodePtr root, rd_buf *out)
{
    for (xmlNodePtr n = root->children; n;) {
        int descend = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                rd_buf_append(out, (const char *)n->content, strlen((const char *)n->content));
        } else if (n->type == XML_ELEMENT_NODE && !is_backlink(n) && !skipped_element(n)) {
            if (is_block(n) || has_name(n, "br"))
                rd_buf_putc(out, ' ');
            descend = n->children != NULL;
        }
        n = next_node(n, root, descend);
    }
}

/* First pass: every link to "#id" whose target is a note body. */
static void find_notes(html *h, xmlNodePtr root)
{
    size_t links = 0;
    for (xmlNodePtr n = root; n && !rb_late(h->b);) {
        /* each link costs a walk of the page: a page of endless links is not a dossier */
        if (has_name(n, "a") && links++ < 2000) {
            char *href = attr(n, "href");
            if (href && href[0] == '#' && href[1] && !is_backlink(n) && !find_target_id(h, href + 1)) {
                xmlNodePtr body = note_body_for(root, href + 1);
                if (body)
                    add_target(h, body, href + 1);
            }
            xmlFree(href);
        }
        n = next_node(n, root, 1);
    }
    for (size_t i = 0; i < h->nnotes; i++)
        subtree_text(h->notes[i].node, &h->notes[i].text);
}

static void cite(html *h, note_target *t)
{
    if (!t->number) {
        t->number = ++h->next_note;
        if (h->npending == h->pending_cap) {
            size_t cap = h->pending_cap ? h->pending_cap * 2 : 8;
            long *p = realloc(h->pending, cap * sizeof *p);
            if (!p) {
                h->failed = 1;
                return;
            }
            h->pending = p;
            h->pending_cap = cap;
        }
        h->pending[h->npending++] = t - h->notes;
    }
    rb_cite(h->b, t->number);
}

/* ------------------------------------------------------------ blocks */

/* unrtf's HTML: a line all bold, short and alone is a heading (above). */
#define BOLD_HEADING_MAX 200

static void line_text(html *h, xmlNodePtr text)
{
    size_t n = 0; /* letters: not spaces, not the no-break spaces unrtf indents with */
    for (const unsigned char *c = text->content; *c; c++)
        if (c[0] == 0xC2 && c[1] == 0xA0)
            c++;
        else
            n += !isspace(*c);
    if (!n)
        return;
    int bold = 0, size = 0;
    for (xmlNodePtr p = text->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        bold |= has_name(p, "b") || has_name(p, "strong");
        char *v = size ? NULL : has_name(p, "font") ? attr(p, "size") : NULL;
        if (v)
            size = atoi(v);
        xmlFree(v);
    }
    h->line_bytes += n;
    h->bold_bytes += bold ? n : 0;
    if (bold && size > h->line_size)
        h->line_size = size;
}

static void flush(html *h, rd_kind kind, int level)
{
    if (kind == RD_TABLE_CELL)
        kind = RD_PARAGRAPH; /* stray text in a table, outside any cell */
    if (h->br_breaks && kind == RD_PARAGRAPH && h->line_bytes && h->bold_bytes == h->line_bytes &&
        h->line_bytes <= BOLD_HEADING_MAX) {
        kind = RD_HEADING;
        level = h->line_size >= 4 ? 1 : h->line_size == 3 ? 2 : 3;
    }
    h->line_bytes = h->bold_bytes = 0;
    h->line_size = 0;
    rb_end(h->b, kind, level);
    for (size_t i = 0; i < h->npending; i++) {
        note_target *t = &h->notes[h->pending[i]];
        rb_text(h->b, t->text.s, t->text.len);
        rd_block *blk = rb_end(h->b, RD_NOTE, 0);
        if (blk)
            blk->note = t->number;
    }
    h->npending = 0;
}

static frame current(const html *h)
{
    return h->depth > 0 ? h->stack[h->depth - 1] : (frame){RD_PARAGRAPH, 0, 1};
}

static void enter(html *h, xmlNodePtr n)
{
    if (h->depth >= STACK_MAX) {
        /* a hostile page of thousands of nested <div>: what is deeper is the
         * text of its ancestor at the limit, read but not structured */
        if (!h->deep_warned++)
            rb_warn(h->b, 0, _("elements nested more than %d deep; the deeper ones read as one block"), STACK_MAX);
        h->depth++;
        return;
    }
    frame parent = current(h);
    frame f = {parent.kind == RD_HEADING ? RD_PARAGRAPH : parent.kind, parent.level, 1};
    int lv = heading_level(n);
    if (h->cell_depth) {
        f.counts = 0; /* a cell is one block, whatever is inside */
        if (has_name(n, "td") || has_name(n, "th"))
            h->cell_depth++;
        if (is_block(n) || has_name(n, "br"))
            rb_text(h->b, " ", 1);
    } else if (has_name(n, "td") || has_name(n, "th")) {
        flush(h, parent.kind, parent.level);
        h->cell_depth = 1;
        h->col++;
        f = (frame){RD_TABLE_CELL, 0, 1};
    } else if (lv) {
        flush(h, parent.kind, parent.level);
        f = (frame){RD_HEADING, lv, 1};
    } else if (has_name(n, "li")) {
        flush(h, parent.kind, parent.level);
        f = (frame){RD_LIST_ITEM, h->list_depth > 0 ? h->list_depth : 1, 1};
    } else if (has_name(n, "hr")) {
        flush(h, parent.kind, parent.level);
        rb_end(h->b, RD_BREAK, 0);
        f.counts = 0;
    } else if (has_name(n, "br")) {
        if (h->br_breaks)
            flush(h, parent.kind, parent.level);
        else
            rb_text(h->b, " ", 1);
        f.counts = 0;
    } else if (is_block(n)) {
        flush(h, parent.kind, parent.level);
        if (parent.kind != RD_LIST_ITEM && parent.kind != RD_NOTE)
            f = (frame){RD_PARAGRAPH, 0, 1};
    } else {
        f.counts = 0;
    }
    if (has_name(n, "ul") || has_name(n, "ol"))
        h->list_depth++;
    if (has_name(n, "table") && h->tbl_depth++ == 0) {
        h->table++;
        h->row = 0;
    }
    if (has_name(n, "tr") && h->tbl_depth == 1 && !h->cell_depth) {
        h->row++;
        h->col = 0;
    }
    h->stack[h->depth++] = f;
}

static void leave(html *h, xmlNodePtr n)
{
    if (h->depth <= 0)
        return;
    if (h->depth-- > STACK_MAX)
        return; /* entered past the limit: nothing was pushed (enter) */
    frame f = h->stack[h->depth];
    if (has_name(n, "ul") || has_name(n, "ol"))
        h->list_depth--;
    if ((has_name(n, "td") || has_name(n, "th")) && h->cell_depth) {
        if (--h->cell_depth == 0) {
            rb_end_cell(h->b, h->table, h->row, h->col);
            flush(h, RD_PARAGRAPH, 0); /* notes cited in the cell */
        }
        return;
    }
    if (has_name(n, "tr") && h->tbl_depth == 1 && !h->cell_depth)
        rb_end_row(h->b, h->table, h->row);
    if (has_name(n, "table") && h->tbl_depth > 0)
        h->tbl_depth--;
    if (f.counts && !h->cell_depth)
        flush(h, f.kind, f.level);
}

static void walk(html *h, xmlNodePtr root)
{
    xmlNodePtr n = root;
    while (n) {
        int descend = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                rb_text(h->b, (const char *)n->content, strlen((const char *)n->content));
            if (n->content && h->br_breaks && !h->cell_depth)
                line_text(h, n);
        } else if (n->type == XML_ELEMENT_NODE) {
            note_target *t = NULL;
            if (skipped_element(n) || find_target_node(h, n) || is_note_section(n)) {
                /* skipped, or a note body: read apart */
            } else if (has_name(n, "a") && h->nnotes) {
                char *href = attr(n, "href");
                t = href && href[0] == '#' ? find_target_id(h, href + 1) : NULL;
                xmlFree(href);
                if (t)
                    cite(h, t); /* the mark itself ("1", "[1]") is not text */
                else
                    descend = 1;
            } else {
                descend = 1;
            }
            if (descend) {
                enter(h, n);
                if (n->children) {
                    n = n->children;
                    continue;
                }
                leave(h, n);
            }
        }
        if (rb_late(h->b) || rb_full(h->b))
            return;
        while (n && !n->next && n != root) {
            n = n->parent;
            if (n && n->type == XML_ELEMENT_NODE)
                leave(h, n);
        }
        if (!n || n == root)
            break;
        n = n->next;
    }
}

/* A charset declared in the first 4 KiB (meta charset or http-equiv), or a BOM. */
static int declared_charset(const char *data, size_t len, char *name, size_t cap)
{
    name[0] = '\0';
    if (len >= 2 && ((data[0] == '\xFF' && data[1] == '\xFE') || (data[0] == '\xFE' && data[1] == '\xFF')))
        return 1;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        return 1;
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i + 8 < n; i++) {
        if (strncasecmp(data + i, "charset", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < n && (data[j] == ' ' || data[j] == '='))
            j++;
        while (j < n && (data[j] == '"' || data[j] == '\''))
            j++;
        size_t k = 0;
        while (j < n && k + 1 < cap && (isalnum((unsigned char)data[j]) || strchr("-_.:", data[j])))
            name[k++] = data[j++];
        name[k] = '\0';
        if (k)
            return 1;
    }
    return 0;
}

/* The length of data up to its (HTML_MAX_TAGS + 1)th '<', or len. */
static size_t cut_at_tag_limit(const char *data, size_t len)
{
    size_t tags = 0;
    for (const char *p = data, *end = data + len; (p = memchr(p, '<', (size_t)(end - p))) != NULL; p++)
        if (++tags > HTML_MAX_TAGS)
            return (size_t)(p - data);
    return len;
}

int rd_parse_html(const char *data, size_t len, int flags, rd_builder *b, char *err, size_t errcap)
{
    if (len > INT32_MAX) {
        snprintf(err, errcap, "%s", _("too large for the HTML parser"));
        return RD_ERR_LIMIT;
    }
    size_t cut = cut_at_tag_limit(data, len);
    if (cut < len) { /* the page up to there; the parser closes what is left open */
        rb_warn(b, 0, _("more than %d tags; only the first %.1f MB of %.1f MB read"), HTML_MAX_TAGS, (double)cut / 1e6,
                (double)len / 1e6);
        len = cut;
    }
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
               XML_PARSE_HUGE;
    htmlDocPtr doc = htmlReadMemory(data, (int)len, NULL, (flags & RD_HTML_UTF8) ? "UTF-8" : NULL, opts);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        if (len == 0 || !doc)
            return len == 0 ? RD_OK : (snprintf(err, errcap, "%s", _("not HTML the parser can read")), RD_ERR_DAMAGED);
        return RD_OK; /* nothing but comments or whitespace */
    }
    html h;
    memset(&h, 0, sizeof h);
    h.b = b;
    h.br_breaks = (flags & RD_HTML_BR_BREAKS) != 0;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    find_notes(&h, root);
    walk(&h, root);
    flush(&h, RD_PARAGRAPH, 0);
    int rc = h.failed ? RD_ERR_NOMEM : RD_OK;
    if (rc == RD_OK && rb_late(b)) {
        snprintf(err, errcap, "%s", _("took longer than the time limit; not read"));
        rc = RD_ERR_LIMIT;
    }
    for (size_t i = 0; i < h.nnotes; i++) {
        free(h.notes[i].id);
        rd_buf_free(&h.notes[i].text);
    }
    free(h.notes);
    free(h.pending);
    xmlFreeDoc(doc);
    return rc;
}

int rd_read_html(const char *path, const char *data, size_t len, const rd_options *o, rd_builder *b, char *err,
                 size_t errcap)
{
    (void)path;
    size_t max = o && o->max_bytes ? o->max_bytes : RD_DEFAULT_MAX_BYTES;
    if (len > max) {
        snprintf(err, errcap, _("an HTML file of more than %zu MiB; not read"), max >> 20);
        return RD_ERR_LIMIT;
    }
    char charset[64];
    if (declared_charset(data, len, charset, sizeof charset)) {
        xmlCharEncodingHandlerPtr hd = charset[0] ? xmlFindCharEncodingHandler(charset) : NULL;
        if (!charset[0] || hd) {
            if (hd)
                xmlCharEncCloseFunc(hd);
            return rd_parse_html(data, len, 0, b, err, errcap);
        }
        rb_warn(b, 0, _("declares charset \"%s\", which this system cannot convert; its encoding was guessed"),
                charset);
    }
    /* No charset said: decoded as a text file would be, then read as UTF-8. */
    char *text = NULL;
    size_t n = 0;
    vn_decode_report rep;
    int rc = rd_decode_text(data, len, &text, &n, &rep, err, errcap);
    if (rc)
        return rc;
    if (rep.encoding >= VN_ENC_CP1258)
        /* TRANSLATORS: %s is an encoding's name: TCVN3, VNI-Windows, Windows-1258, ... */
        rb_warn(b, 0, rep.uncertain ? _("no charset declared; read as %s, but uncertain")
                                    : _("no charset declared; read as %s"),
                vn_encoding_name(rep.encoding));
    rc = rd_parse_html(text, n, RD_HTML_UTF8, b, err, errcap);
    free(text);
    return rc;
}
