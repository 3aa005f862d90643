#include "tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileset.h"

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
    int rc = read_file(path, text, len, &changed);
    if (rc) {
        snprintf(err, cap, "%s: %s", path, strerror(rc));
        return -1;
    }
    return 0;
}

int tables_read(table_text *tt, const char *frameworks, const char *aliases, const char *const *paths,
                size_t npaths, char *err, size_t cap)
{
    memset(tt, 0, sizeof *tt);
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
    return 0;
}

int tables_parse(const table_text *tt, alias_table **out, char *err, size_t cap)
{
    return alias_table_load(tt->frameworks, tt->frameworks_len, tt->frameworks_path, tt->aliases,
                            tt->aliases_len, tt->aliases_path, out, err, cap);
}

void tables_free(table_text *tt)
{
    free(tt->frameworks);
    free(tt->aliases);
    tt->frameworks = tt->aliases = NULL;
}
