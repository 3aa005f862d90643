/*
 * Passages: the blocks a reader made of one file (readers.h) -> the
 * paragraphs an analyst would cite, whatever the format.
 *
 * A paragraph or list item is a passage, a table row is one (its cells
 * joined by " | "), a footnote or endnote body is one linked to the
 * passage that cites it; headings are context, not passages: level 1 opens
 * a section and titles it (consecutive ones join), deeper levels are the
 * sub-heading the passages below sit under; a break (a line of dashes)
 * opens an untitled section.  A giant paragraph is cut into pieces.  The
 * Word-export conventions of .txt files (wrapped lines, [footnoteRef:N]
 * markers, capitalised headings) are the txt reader's business.  Nothing
 * here knows frameworks: sections and candidate openings are reported, and
 * frameworks.c decides.
 */
#ifndef VN_PASSAGE_H
#define VN_PASSAGE_H

#include <stddef.h>

struct rd_document;

/* Passages longer than this are cut at a sentence or word boundary, so one
 * giant line (a PDF export with no line breaks) stays searchable. */
#define PASSAGE_MAX_BYTES 16384

typedef struct passage {
    size_t line;      /* .txt: 1-based line of the first line; other formats: the ordinal of its
                         first block (readers.h), which is what its id cites */
    size_t end_line;  /* .txt: 1-based line of the last line; else the ordinal of its last block */
    unsigned page;    /* the page it starts on, 0 where the format has no pages */
    int ocr;          /* read by OCR from a picture of the page (RD_FLAG_OCR): words may be misread */
    int ocr_confidence; /* ... the page's mean word confidence, 0..100 */
    char *where;      /* where to find it in the format's own terms ("p. 12", or the heading path
                         "HỢP TÁC ... > 2.4. Lĩnh vực hợp tác" of Word, ODF, HTML), or NULL for .txt */
    char *text;       /* markers stripped, lines joined, whitespace collapsed */
    size_t text_len;
    char *heading;    /* the sub-heading it sits under, or NULL */
    size_t section;   /* index of its section within the file */
    int opens_section; /* an indented paragraph that may open an unheaded section */
    int note;          /* footnote number if this is a footnote body, else 0 */
    int endnote;       /* the note is an endnote */
    long cited_by;     /* for a footnote, index of the citing passage, else -1 */
    int part;          /* 0, or 1, 2, ... for the pieces of a cut giant paragraph */
    long node;         /* the innermost heading it sits under (passage_list.nodes), or -1 */
} passage;

typedef struct section_info {
    char *title;     /* the capitalised heading(s) that open it, or NULL */
    size_t line;     /* line of the title or of its first passage */
} section_info;

/* A heading, kept as a passage of its own too (a search for its words finds
 * it: nothing the file says is lost), after the passages in ranking. */
typedef struct heading_info {
    char *text;
    size_t line;      /* as passage.line */
    unsigned page;
    size_t section;   /* the section it titles or sits in */
    size_t before;    /* the index of the passage after it (count if none) */
} heading_info;

/* The document's own outline: every heading with its level and the heading
 * it sits under, as the format says (Word outline levels and heading styles,
 * ODF text:h, HTML h1-h6, PDF type sizes, a text export's capitalised and
 * numbered lines).  A heading ends every heading of its level or deeper
 * before it; consecutive top headings with nothing between are one (a title
 * on two lines); a break ends them all.  frameworks.c reads sections off it. */
typedef struct heading_node {
    char *text;
    int level;
    long parent;      /* the heading it sits under, or -1 */
} heading_node;

typedef struct passage_list {
    passage *items;
    size_t count;
    section_info *sections;
    size_t section_count;
    heading_info *headings;
    size_t heading_count;
    heading_node *nodes;
    size_t node_count;
} passage_list;

/* The passages of a document.  Returns 0, or -1 on allocation failure.
 * Free with passage_list_free(). */
int passage_from_blocks(const struct rd_document *doc, passage_list *out);

/* The passages of plain text (valid UTF-8, LF line ends, `len` bytes,
 * NUL-terminated), read by the txt reader: for tests and the fuzzers. */
int passage_split(const char *text, size_t len, passage_list *out);
void passage_list_free(passage_list *list);

#endif
