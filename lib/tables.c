/*
 * Finding and reading the alias tables (frameworks.tsv, aliases.tsv) that
 * an index is built with (vs_tables_load in vnsearch.h): a table found
 * beside the texts, in $VNSEARCH_DATA or installed, else the one built into
 * the program, so a folder of one's own gets framework tags too.
 */
#include "tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef VNSEARCH_DATADIR
#define VNSEARCH_DATADIR "/usr/local/share/vnsearch"
#endif

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first of the candidate directories that holds `file`. */
static int find_table(const char *file, const char *const *paths, size_t npaths, char *out, size_t cap)
{
    for (size_t i = 0; i < npaths; i++) {
        if (!is_dir(paths[i]))
            continue;
        snprintf(out, cap, "%s/%s", paths[i], file);
        if (is_file(out))
            return 1;
    }
    const char *env = getenv("VNSEARCH_DATA");
    if (env && *env) {
        snprintf(out, cap, "%s/%s", env, file);
        if (is_file(out))
            return 1;
    }
    snprintf(out, cap, "%s/%s", VNSEARCH_DATADIR, file);
    return is_file(out);
}

static int read_table(const char *path, char **text, size_t *len, char *err, size_t cap)
{
    int changed;
    int rc = vs_read_file(path, text, len, &changed);
    if (rc) {
        snprintf(err, cap, "%s: %s", path, strerror(rc));
        return -1;
    }
    return 0;
}

static int builtin_table(const unsigned char *data, unsigned long len, char **text, size_t *tlen, char *path,
                         size_t pcap)
{
    *text = malloc(len + 1);
    if (!*text)
        return -1;
    memcpy(*text, data, len);
    (*text)[len] = '\0';
    *tlen = len;
    snprintf(path, pcap, "%s", VS_TABLE_BUILTIN);
    return 0;
}

static int tables_read(struct vs_tables *tt, const char *frameworks, const char *aliases, const char *const *paths,
                       size_t npaths, char *err, size_t cap)
{
    if (frameworks)
        snprintf(tt->frameworks_path, sizeof tt->frameworks_path, "%s", frameworks);
    else if (!find_table("frameworks.tsv", paths, npaths, tt->frameworks_path, sizeof tt->frameworks_path))
        tt->frameworks_path[0] = '\0';
    if (aliases)
        snprintf(tt->aliases_path, sizeof tt->aliases_path, "%s", aliases);
    else if (!find_table("aliases.tsv", paths, npaths, tt->aliases_path, sizeof tt->aliases_path))
        tt->aliases_path[0] = '\0';
    if (tt->frameworks_path[0] &&
        read_table(tt->frameworks_path, &tt->frameworks, &tt->frameworks_len, err, cap))
        return -1;
    if (tt->aliases_path[0] && read_table(tt->aliases_path, &tt->aliases, &tt->aliases_len, err, cap))
        return -1;
    /* meetings.tsv: beside the frameworks table given, else where the tables are looked for */
    char beside[PATH_MAX];
    const char *slash = frameworks ? strrchr(frameworks, '/') : NULL;
    if (frameworks)
        snprintf(beside, sizeof beside, "%.*s/meetings.tsv", slash ? (int)(slash - frameworks) : 1,
                 slash ? frameworks : ".");
    if (frameworks && is_file(beside))
        snprintf(tt->meetings_path, sizeof tt->meetings_path, "%s", beside);
    else if (!find_table("meetings.tsv", paths, npaths, tt->meetings_path, sizeof tt->meetings_path))
        tt->meetings_path[0] = '\0';
    if (tt->meetings_path[0] && read_table(tt->meetings_path, &tt->meetings, &tt->meetings_len, err, cap))
        return -1;
    if ((!tt->frameworks_path[0] && builtin_table(vs_builtin_frameworks, vs_builtin_frameworks_len, &tt->frameworks,
                                                  &tt->frameworks_len, tt->frameworks_path,
                                                  sizeof tt->frameworks_path)) ||
        (!tt->aliases_path[0] && builtin_table(vs_builtin_aliases, vs_builtin_aliases_len, &tt->aliases,
                                               &tt->aliases_len, tt->aliases_path, sizeof tt->aliases_path)) ||
        (!tt->meetings_path[0] && builtin_table(vs_builtin_meetings, vs_builtin_meetings_len, &tt->meetings,
                                                &tt->meetings_len, tt->meetings_path, sizeof tt->meetings_path))) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    return 0;
}

int vs_tables_load(const char *frameworks, const char *aliases, const char *const *paths, size_t npaths,
                   vs_tables **out, char *err, size_t cap)
{
    *out = NULL;
    vs_tables *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    if (tables_read(t, frameworks, aliases, paths, npaths, err, cap) ||
        alias_table_load(t->frameworks, t->frameworks_len, t->frameworks_path, t->aliases, t->aliases_len,
                         t->aliases_path, &t->table, err, cap) ||
        meeting_table_load(t->meetings, t->meetings_len, t->meetings_path, t->table, &t->meeting_kinds, err, cap)) {
        vs_tables_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void vs_tables_free(vs_tables *t)
{
    if (!t)
        return;
    meeting_table_free(t->meeting_kinds);
    alias_table_free(t->table);
    free(t->meetings);
    free(t->frameworks);
    free(t->aliases);
    free(t);
}

int vs_tables_have_frameworks(const vs_tables *t)
{
    return t->frameworks != NULL && alias_framework_count(t->table) > 0;
}

void vs_tables_describe(const vs_tables *t, char *buf, size_t cap)
{
    snprintf(buf, cap, "frameworks %s, aliases %s", t->frameworks_path, t->aliases_path);
}
