/*
 * Framework tagging: which cooperation framework each passage belongs to
 * (its primary framework) and which frameworks it mentions.
 *
 * The primary framework is the section's: the one its capitalised title
 * names, or, for a section with no title, the first one named in its
 * opening passages.  An indented paragraph that opens by naming a different
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

typedef struct passage_tags {
    long primary;            /* framework index, or -1 if none */
    int untitled;            /* its section has no heading of its own (or the one
                              * above belongs to the framework before it) */
    int stale_heading;       /* its sub-heading belongs to the previous section */
    unsigned short *mentions; /* times each framework is named (alias_framework_count) */
    unsigned short *groups;   /* times each alias group is named (alias_group_count),
                               * counted even inside a framework's name */
} passage_tags;

/* Fills tags[0 .. list->count), which the caller zeroes (calloc).  Returns 0, or -1 on allocation failure. */
int framework_tag(const alias_table *t, const passage_list *list, passage_tags *tags);
void framework_tags_free(passage_tags *tags, size_t n);

/* Counts the frameworks and alias groups a text names into fw[] and
 * groups[] (zeroed by the caller), as framework_tag() counts a passage's.
 * Returns 0, or -1 on allocation failure. */
int framework_count(const alias_table *t, const char *text, size_t len, unsigned short *fw, unsigned short *groups);

/* The frameworks named in a text, in order of first mention: writes up to
 * max indices and their byte offsets; returns how many there are. */
size_t framework_mentions(const alias_table *t, const char *text, size_t len, long *fws, size_t *offsets,
                          size_t max);

#endif
