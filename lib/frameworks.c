/*
 * Framework tagging (see frameworks.h for the rules).
 */
#include "frameworks.h"

#include <stdio.h>
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

/* What each heading of the outline names: named[k] is the framework if it
 * names exactly one, NAMES_NONE, NAMES_SEVERAL or NAMES_CLOSING; title[k] is 1 for the
 * title (the only heading at the document's top level, under nothing). */
#define NAMES_NONE (-1)
#define NAMES_SEVERAL (-2)
#define NAMES_CLOSING (-3) /* names none, and ends a section a heading opened */

static void outline_frameworks(const alias_table *t, const passage_list *list, long *named, char *title)
{
    long fws[2];
    size_t offs[2];
    int top = 0;
    size_t at_top = 0;
    for (size_t k = 0; k < list->node_count; k++) {
        const heading_node *n = &list->nodes[k];
        size_t c = framework_mentions(t, n->text, strlen(n->text), fws, offs, 2);
        named[k] = c == 1 ? fws[0] : c == 0 ? NAMES_NONE : NAMES_SEVERAL;
        if (!top || n->level < top) {
            top = n->level;
            at_top = 0;
        }
        at_top += n->level == top;
    }
    for (size_t k = 0; k < list->node_count; k++)
        title[k] = at_top == 1 && list->nodes[k].level == top && list->nodes[k].parent < 0;
    /* a heading naming none closes only a section a heading opened: the
     * headings it ends (the previous one and those above it, down to its
     * level) opened or closed one.  The first "1. Hình thành" of a file
     * whose sections have no heading closes nothing. */
    for (size_t k = 0; k < list->node_count; k++) {
        if (named[k] != NAMES_NONE || title[k])
            continue;
        int closes = 0;
        for (long e = (long)k - 1; e >= 0 && list->nodes[e].level >= list->nodes[k].level; e = list->nodes[e].parent)
            closes |= named[e] >= 0 || named[e] == NAMES_CLOSING;
        if (closes)
            named[k] = NAMES_CLOSING;
    }
}

/* The section a passage's headings put it in: the framework of the
 * innermost heading naming one (*by: that heading), else NAMES_NONE if a
 * heading above it closes (*by: the innermost that does), else
 * NAMES_SEVERAL: the headings leave it to the rules of a section with none. */
static long outline_section(const passage_list *list, const long *named, long node, long *by)
{
    long closed = -1;
    for (long n = node; n >= 0; n = list->nodes[n].parent) {
        if (named[n] >= 0) {
            *by = n;
            return named[n];
        }
        if (named[n] == NAMES_CLOSING && closed < 0)
            closed = n;
    }
    *by = closed;
    return closed >= 0 ? NAMES_NONE : NAMES_SEVERAL;
}

typedef struct seen_tokens {
    framework_token_fn fn;
    void *ctx;
    size_t passage;
} seen_tokens;

static void seen_token(void *ctx, const struct vn_token *t)
{
    seen_tokens *s = ctx;
    s->fn(s->ctx, s->passage, t);
}

int framework_tag(const alias_table *t, const passage_list *list, passage_tags *tags)
{
    return framework_tag_seen(t, list, tags, NULL, NULL);
}

int framework_tag_seen(const alias_table *t, const passage_list *list, passage_tags *tags, framework_token_fn fn,
                       void *ctx)
{
    seen_tokens seen = {fn, ctx, 0};
    size_t nfw = alias_framework_count(t);
    long *section_fw = malloc((list->section_count + 1) * sizeof *section_fw);
    long *named = malloc((list->node_count + 1) * sizeof *named);
    char *title = malloc(list->node_count + 1);
    long fws[64];
    size_t offs[64];
    if (!section_fw || !named || !title) {
        free(section_fw);
        free(named);
        free(title);
        return -1;
    }
    outline_frameworks(t, list, named, title);
    for (size_t s = 0; s < list->section_count; s++) {
        section_fw[s] = -1;
        const char *stitle = list->sections[s].title;
        if (stitle && framework_mentions(t, stitle, strlen(stitle), fws, offs, 64) == 1)
            section_fw[s] = fws[0];
    }
    alias_text ks;
    memset(&ks, 0, sizeof ks);
    int rc = 0;
    size_t cur_section = (size_t)-1, section_start = 0;
    long cur = -1;
    int untitled = 0;
    framework_why why = FW_WHY_NONE;
    const char *why_text = NULL;
    const char *stale = NULL; /* the heading in force when a new section opened without one */
    for (size_t i = 0; i < list->count; i++) {
        const passage *p = &list->items[i];
        tags[i].primary = -1;
        tags[i].mentions = calloc(nfw ? nfw : 1, sizeof *tags[i].mentions);
        tags[i].groups = calloc(alias_group_count(t) + 1, sizeof *tags[i].groups);
        seen.passage = i;
        if (!tags[i].mentions || !tags[i].groups ||
            alias_text_fill_seen(&ks, p->text, p->text_len, fn ? seen_token : NULL, &seen)) {
            rc = -1;
            break;
        }
        size_t n = mentions_in(t, &ks, fws, offs, 64);
        counts c = {tags[i].mentions, tags[i].groups};
        alias_scan(t, &ks, count_one, &c);
        if (p->section != cur_section) {
            cur_section = p->section;
            cur = p->section < list->section_count ? section_fw[p->section] : -1;
            why = cur >= 0 ? FW_WHY_HEADING : FW_WHY_NONE;
            why_text = cur >= 0 ? list->sections[p->section].title : NULL;
            untitled = p->section >= list->section_count || !list->sections[p->section].title;
            section_start = i;
            stale = NULL;
        }
        if (p->note)
            continue; /* footnotes follow their paragraph, below */
        if (cur < 0 && n > 0) {
            /* an untitled section takes the first framework named in it,
             * back to its start, but not across a heading (an introduction
             * under a title names none) */
            cur = fws[0];
            for (size_t k = section_start; k < i; k++)
                if (!list->items[k].note && list->items[k].node == p->node) {
                    tags[k].primary = cur;
                    tags[k].why = FW_WHY_OPENING;
                }
            why = FW_WHY_OPENING;
        } else if (p->opens_section && n > 0 && fws[0] != cur && offs[0] < FRAMEWORK_OPENING_BYTES) {
            cur = fws[0];
            untitled = 1;
            stale = p->heading ? p->heading : "";
            why = FW_WHY_OPENING;
        }
        if (stale && (p->heading ? p->heading : "") != stale && strcmp(p->heading ? p->heading : "", stale) != 0)
            stale = NULL; /* a heading of the new section's own */
        tags[i].primary = cur;
        tags[i].untitled = untitled;
        tags[i].stale_heading = stale != NULL && *stale;
        tags[i].why = cur >= 0 ? why : FW_WHY_NONE;
        tags[i].why_text = why == FW_WHY_HEADING ? why_text : NULL;
    }
    /* The document's own headings decide where they say something: below
     * the top level always; at the top level (the sections above) when one
     * closes, or when it names the framework and no indented paragraph of a
     * text export opened another (the rule above). */
    for (size_t i = 0; i < list->count && rc == 0; i++) {
        const passage *p = &list->items[i];
        long by = -1, fw = p->note ? NAMES_SEVERAL : outline_section(list, named, p->node, &by);
        if (fw == NAMES_SEVERAL || (list->nodes[by].level <= 1 && fw >= 0 && tags[i].why == FW_WHY_OPENING))
            continue;
        tags[i].primary = fw >= 0 ? fw : -1;
        tags[i].why = fw >= 0 ? FW_WHY_HEADING : FW_WHY_CLOSED;
        tags[i].why_text = list->nodes[by].text;
        tags[i].untitled = 0;
        tags[i].stale_heading = 0;
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
            tags[i].why = tags[owner].primary >= 0 ? FW_WHY_NOTE : FW_WHY_NONE;
            tags[i].why_text = NULL;
        }
    }
    alias_text_free(&ks);
    free(section_fw);
    free(named);
    free(title);
    return rc;
}

void framework_tags_free(passage_tags *tags, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(tags[i].mentions);
        free(tags[i].groups);
    }
}

/* The framework one part of a path names, or -1: exactly one, so that
 * "MLC-va-GMS" names none. */
static long path_part_framework(const alias_table *t, const char *s, size_t n)
{
    long fws[2];
    size_t offs[2];
    char part[1024];
    if (n == 0 || n >= sizeof part)
        return -1;
    /* dashes and underscores part words in file names: bao-cao-GMS-2024 */
    for (size_t i = 0; i < n; i++)
        part[i] = s[i] == '_' || s[i] == '-' ? ' ' : s[i];
    part[n] = '\0';
    return framework_mentions(t, part, n, fws, offs, 2) == 1 ? fws[0] : -1;
}

void framework_tag_path(const alias_table *t, const char *path, size_t count, passage_tags *tags)
{
    int any = 0;
    for (size_t i = 0; i < count; i++)
        any |= tags[i].primary < 0;
    if (!any || !path)
        return;
    /* the file's name without its extension, then the folders, innermost first */
    const char *end = path + strlen(path), *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path, *dot = strrchr(name, '.');
    long fw = path_part_framework(t, name, (size_t)((dot && dot > name ? dot : end) - name));
    const char *part = name, *part_end = dot && dot > name ? dot : end;
    while (fw < 0 && part > path) {
        part_end = part - 1; /* the slash before it */
        part = part_end;
        while (part > path && part[-1] != '/')
            part--;
        fw = path_part_framework(t, part, (size_t)(part_end - part));
    }
    if (fw < 0)
        return;
    for (size_t i = 0; i < count; i++)
        if (tags[i].primary < 0) {
            tags[i].primary = fw;
            tags[i].why = FW_WHY_PATH;
            tags[i].why_text = part;
            tags[i].why_len = (size_t)(part_end - part);
        }
}

void framework_why_text(const passage_tags *tag, char *buf, size_t cap)
{
    static const char *const words[] = {"", "heading", "closed by heading", "opening words", "path",
                                         "note of its paragraph"};
    const char *w = tag->why <= FW_WHY_NOTE ? words[tag->why] : "";
    if (tag->why_text) {
        int n = tag->why == FW_WHY_PATH ? (int)tag->why_len : (int)strlen(tag->why_text);
        snprintf(buf, cap, "%s: %.*s", w, n, tag->why_text);
    } else {
        snprintf(buf, cap, "%s", w);
    }
}
