/*
 * Framework tagging (see frameworks.h for the rules).
 */
#include "frameworks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vntext.h"

/* Folded syllable keys of a text (hyphenated words split), with offsets. */
typedef struct keyseq {
    char **keys;
    size_t *offsets;
    size_t n, cap;
    char *arena;
    size_t arena_len, arena_cap;
} keyseq;

static int keyseq_fill(keyseq *ks, const char *text, size_t len)
{
    ks->n = 0;
    ks->arena_len = 0;
    vn_tokenizer *tok = vn_tokenizer_new();
    if (!tok)
        return -1;
    vn_tokenizer_reset(tok, text, len, 1);
    vn_token t;
    int rc = 0;
    /* First pass into an arena of NUL-terminated keys; pointers fixed after. */
    while (vn_tokenizer_next(tok, &t)) {
        if (t.kind == VN_TOKEN_JOINED || t.kind == VN_TOKEN_NUMPART)
            continue;
        if (ks->n == ks->cap) {
            size_t cap = ks->cap ? ks->cap * 2 : 256;
            char **k = realloc(ks->keys, cap * sizeof *k);
            size_t *o = realloc(ks->offsets, cap * sizeof *o);
            if (k)
                ks->keys = k;
            if (o)
                ks->offsets = o;
            if (!k || !o) {
                rc = -1;
                break;
            }
            ks->cap = cap;
        }
        if (ks->arena_len + t.folded_len + 1 > ks->arena_cap) {
            size_t cap = ks->arena_cap ? ks->arena_cap * 2 : 4096;
            while (cap < ks->arena_len + t.folded_len + 1)
                cap *= 2;
            char *a = realloc(ks->arena, cap);
            if (!a) {
                rc = -1;
                break;
            }
            ks->arena = a;
            ks->arena_cap = cap;
        }
        memcpy(ks->arena + ks->arena_len, t.folded, t.folded_len);
        ks->arena[ks->arena_len + t.folded_len] = '\0';
        ks->keys[ks->n] = (char *)(uintptr_t)ks->arena_len; /* offset for now */
        ks->offsets[ks->n] = t.start;
        ks->arena_len += t.folded_len + 1;
        ks->n++;
    }
    for (size_t i = 0; i < ks->n && rc == 0; i++)
        ks->keys[i] = ks->arena + (uintptr_t)ks->keys[i];
    vn_tokenizer_free(tok);
    return rc;
}

static void keyseq_free(keyseq *ks)
{
    free(ks->keys);
    free(ks->offsets);
    free(ks->arena);
}

static size_t mentions_in(const alias_table *t, keyseq *ks, long *fws, size_t *offsets, size_t max)
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
                    offsets[found] = ks->offsets[i];
                }
                found++;
            }
        }
        i += len;
    }
    return found;
}

/* Counts every framework and group named in the text.  Frameworks take
 * the longest match (a group inside a framework's name is part of it);
 * groups are counted in a pass of their own. */
static void count_aliases(const alias_table *t, keyseq *ks, unsigned short *fw_counts, unsigned short *group_counts)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ks->n;) {
            alias_match m = {0, ALIAS_GROUP, 0};
            size_t len = pass == 0 ? alias_match_at(t, (const char *const *)ks->keys, ks->n, i, &m)
                                   : alias_match_kind(t, (const char *const *)ks->keys, ks->n, i, ALIAS_GROUP, &m);
            if (len == 0) {
                i++;
                continue;
            }
            unsigned short *c = pass == 0 ? (m.kind == ALIAS_FRAMEWORK ? &fw_counts[m.id] : NULL) : &group_counts[m.id];
            if (c && *c < 0xFFFF)
                (*c)++;
            i += len;
        }
}

size_t framework_mentions(const alias_table *t, const char *text, size_t len, long *fws, size_t *offsets,
                          size_t max)
{
    keyseq ks;
    memset(&ks, 0, sizeof ks);
    size_t n = 0;
    if (keyseq_fill(&ks, text, len) == 0)
        n = mentions_in(t, &ks, fws, offsets, max);
    keyseq_free(&ks);
    return n;
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
    keyseq ks;
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
        if (!tags[i].mentions || !tags[i].groups || keyseq_fill(&ks, p->text, p->text_len)) {
            rc = -1;
            break;
        }
        size_t n = mentions_in(t, &ks, fws, offs, 64);
        count_aliases(t, &ks, tags[i].mentions, tags[i].groups);
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
    keyseq_free(&ks);
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
