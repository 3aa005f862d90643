/*
 * The alias tables an index is built with: their text as found (stored in
 * the index) and the parsed table (vs_tables_load in vnsearch.h).
 */
#ifndef VN_TABLES_H
#define VN_TABLES_H

#include <limits.h>
#include <stddef.h>

#include "aliases.h"
#include "vnsearch.h"

struct vs_tables {
    char *frameworks, *aliases; /* file contents, or NULL when not found */
    size_t frameworks_len, aliases_len;
    char frameworks_path[PATH_MAX], aliases_path[PATH_MAX];
    alias_table *table;
};

#endif
