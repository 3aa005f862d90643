/*
 * Framework tagging (see frameworks.h for the rules).
 */
#include "frameworks.h"

#include <stdlib.h>
#include <string.h>

#include "vntext.h"

static size_t mentions_in(const alias_table *t, alias_text *ks, long *fws, size_t *offsets, size_t max)
{
    size_t found = 0;
    for (size_t i = 0; i < ks->n;) {
        alias_match m = {0, ALIAS_GROUP, 0};
        size_t len = alias_match_at(t, (const char *const *)ks->keys, ks->n, i, &m);
        if (len == 0) {
            i++;
            continue;
        }
        if (m.kind == ALIAS_FRAMEWORK) {
            int seen = 0;
            for (size_t k = 0; k < found && k < max; k++)
                if (fws[k] == (long)m.id)
                    seen = 1;
            if (!seen) {
                if (found < max) {
                    fws[found] = (long)m.id;
                    offsets[found] = ks->start[i];
                }
                found++;
            }
        }
        i += len;
    }
    return found;
}

typedef struct counts {
    unsigned short *fw, *group;
} counts;

static void count_one(void *ctx, alias_kind kind, size_t id, size_t first, size_t n)
{
    (void)first;
    (void)n;
    counts *c = ctx;
    unsigned short *v = kind == ALIAS_FRAMEWORK ? &c->fw[id] : &c->group[id];
    if (*v < 0xFFFF)
        (*v)++;
}

size_t framework_mentions(const alias_table *t, const char *text, size_t len, long *fws, size_t *offsets,
                          size_t max)
{
    alias_text ks;
    memset(&ks, 0, sizeof ks);
    size_t n = 0;
    if (alias_text_fill(&ks, text, len) == 0)
        n = mentions_in(t, &ks, fws, offsets, max);
    alias_text_free(&ks);
    return n;
}

int framework_count(const alias_table *t, const char *text, size_t len, unsigned short *fw, unsigned short *groups)
{
    alias_text ks;
    memset(&ks, 0, sizeof ks);
    int rc = alias_text_fill(&ks, text, len);
    if (rc == 0) {
        counts c = {fw, groups};
        alias_scan(t, &ks, count_one, &c);
    }
    alias_text_free(&ks);
    return rc ? -1 : 0;
}

int framework_tag(const alias_table *t, const passage_list *list, passage_tags *tags)
{
    size_t nfw = alias_framework_count(t);
    long *section_fw = malloc((list->section_count + 1) * sizeof *section_fw);
    long fws[64];
    size_t offs[64];
    if (!section_fw)
        return -1;
    for (size_t s = 0; s < list->section_count; s++) {
        section_fw[s] = -1;
        const char *title = list->sections[s].title;
        if (title && framework_mentions(t, title, strlen(title), fws, offs, 64) > 0)
            section_fw[s] = fws[0];
    }
    alias_text ks;
    memset(&ks, 0, sizeof ks);
    int rc = 0;
    size_t cur_section = (size_t)-1, section_start = 0;
    long cur = -1;
    int untitled = 0;
    const char *stale = NULL; /* the heading in force when a new section opened without one */
    for (size_t i = 0; i < list->count; i++) {
        const passage *p = &list->items[i];
        tags[i].primary = -1;
        tags[i].mentions = calloc(nfw ? nfw : 1, sizeof *tags[i].mentions);
        tags[i].groups = calloc(alias_group_count(t) + 1, sizeof *tags[i].groups);
        if (!tags[i].mentions || !tags[i].groups || alias_text_fill(&ks, p->text, p->text_len)) {
            rc = -1;
            break;
        }
        size_t n = mentions_in(t, &ks, fws, offs, 64);
        counts c = {tags[i].mentions, tags[i].groups};
        alias_scan(t, &ks, count_one, &c);
        if (p->section != cur_section) {
            cur_section = p->section;
            cur = p->section < list->section_count ? section_fw[p->section] : -1;
            untitled = p->section >= list->section_count || !list->sections[p->section].title;
            section_start = i;
            stale = NULL;
        }
        if (p->note)
            continue; /* footnotes follow their paragraph, below */
        if (cur < 0 && n > 0) {
            /* an untitled section takes the first framework named in it */
            cur = fws[0];
            for (size_t k = section_start; k < i; k++)
                if (!list->items[k].note)
                    tags[k].primary = cur;
        } else if (p->opens_section && n > 0 && fws[0] != cur && offs[0] < FRAMEWORK_OPENING_BYTES) {
            cur = fws[0];
            untitled = 1;
            stale = p->heading ? p->heading : "";
        }
        if (stale && (p->heading ? p->heading : "") != stale && strcmp(p->heading ? p->heading : "", stale) != 0)
            stale = NULL; /* a heading of the new section's own */
        tags[i].primary = cur;
        tags[i].untitled = untitled;
        tags[i].stale_heading = stale != NULL && *stale;
    }
    for (size_t i = 0; i < list->count && rc == 0; i++) {
        const passage *p = &list->items[i];
        if (!p->note)
            continue;
        long owner = p->cited_by >= 0 ? p->cited_by : (i > 0 ? (long)i - 1 : -1);
        if (owner >= 0) {
            tags[i].primary = tags[owner].primary;
            tags[i].untitled = tags[owner].untitled;
            tags[i].stale_heading = tags[owner].stale_heading;
        }
    }
    alias_text_free(&ks);
    free(section_fw);
    return rc;
}

void framework_tags_free(passage_tags *tags, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(tags[i].mentions);
        free(tags[i].groups);
    }
}
