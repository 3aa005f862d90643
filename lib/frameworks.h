/*
 * Framework tagging: which cooperation framework each passage belongs to
 * (its primary framework) and which frameworks it mentions.
 *
 * The primary framework is the section's, read off the document's own
 * headings (passage.h, heading_node): a heading that names one framework
 * (its code, name or any alias; case does not matter) opens that
 * framework's section for all beneath it, until the next heading of its
 * level or higher; a heading that names none closes a section a heading
 * opened at its level or deeper ("V. Kiến nghị"); a title (the one heading
 * at the document's top level) that names none, and any heading that names
 * several, opens and closes nothing.  So a passage takes the framework of
 * the innermost heading above it that names one; if none does but a
 * heading above it closes, it has none.  A section with no heading keeps
 * the first framework named in its opening passages.  An indented
 * paragraph of a text export that opens by naming a different
 * framework ("Hợp tác MGC thành lập theo sáng kiến ...") starts a new section
 * of that framework even without a heading.  Footnotes take the framework of
 * the paragraph that cites them.
 */
#ifndef VN_FRAMEWORKS_H
#define VN_FRAMEWORKS_H

#include <stddef.h>

#include "aliases.h"
#include "passage.h"

/* How far into an indented paragraph the framework it opens with may be
 * named (bytes): "1. Ý tưởng hợp tác Mê Công - Lan Thương (MLC) ..." */
#define FRAMEWORK_OPENING_BYTES 160

/* Why a passage has its framework (vnindex --dump shows it). */
typedef enum framework_why {
    FW_WHY_NONE = 0,  /* nothing names one */
    FW_WHY_HEADING,   /* a heading above it names it (why_text: the heading) */
    FW_WHY_CLOSED,    /* a heading above it names none and closes the section (why_text) */
    FW_WHY_OPENING,   /* named in the opening words of its section or paragraph */
    FW_WHY_PATH,      /* its file's name or a folder names it (why_text: that name) */
    FW_WHY_NOTE       /* a footnote: the framework of the paragraph citing it */
} framework_why;

typedef struct passage_tags {
    long primary;            /* framework index, or -1 if none */
    int untitled;            /* its section has no heading of its own (or the one
                              * above belongs to the framework before it) */
    int stale_heading;       /* its sub-heading belongs to the previous section */
    unsigned short *mentions; /* times each framework is named (alias_framework_count) */
    unsigned short *groups;   /* times each alias group is named (alias_group_count),
                               * counted even inside a framework's name */
    framework_why why;
    const char *why_text;     /* the heading or path part that decided, or NULL (borrowed) */
    size_t why_len;           /* FW_WHY_PATH: the length of the path part */
} passage_tags;

/* Fills tags[0 .. list->count), which the caller zeroes (calloc).  Returns 0, or -1 on allocation failure. */
int framework_tag(const alias_table *t, const passage_list *list, passage_tags *tags);

/* The same, handing fn the tokens of each passage's text as it reads them
 * (alias_text_fill_seen), passage after passage, with the passage's index. */
typedef void (*framework_token_fn)(void *ctx, size_t passage, const struct vn_token *t);
int framework_tag_seen(const alias_table *t, const passage_list *list, passage_tags *tags, framework_token_fn fn,
                       void *ctx);
void framework_tags_free(passage_tags *tags, size_t n);

/* Where a file says nothing, its path may: gives the passages that have no
 * framework the one their file's name, else the innermost folder naming
 * exactly one, names ("Hồ sơ MJC/", "bao-cao-GMS-2024.docx").  `path` is the
 * file's name relative to the folder indexed; tags keep pointing into it. */
void framework_tag_path(const alias_table *t, const char *path, size_t count, passage_tags *tags);

/* A passage's why, in words: "heading: I. Hợp tác ... (MLC)", "path: Hồ sơ MJC". */
void framework_why_text(const passage_tags *tag, char *buf, size_t cap);

/* Counts the frameworks and alias groups a text names into fw[] and
 * groups[] (zeroed by the caller), as framework_tag() counts a passage's.
 * Returns 0, or -1 on allocation failure. */
int framework_count(const alias_table *t, const char *text, size_t len, unsigned short *fw, unsigned short *groups);

/* The frameworks named in a text, in order of first mention: writes up to
 * max indices and their byte offsets; returns how many there are. */
size_t framework_mentions(const alias_table *t, const char *text, size_t len, long *fws, size_t *offsets,
                          size_t max);

#endif
