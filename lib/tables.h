/*
 * The alias tables an index is built with: their text as found (stored in
 * the index) and the parsed table (vs_tables_load in vnsearch.h); and the
 * meetings table (meetings.tsv, lib/meetings.h), found beside them.
 */
#ifndef VN_TABLES_H
#define VN_TABLES_H

#include <limits.h>
#include <stddef.h>

#include "aliases.h"
#include "meetings.h"
#include "vnsearch.h"

struct vs_tables {
    char *frameworks, *aliases; /* file contents, or NULL when not found */
    size_t frameworks_len, aliases_len;
    char frameworks_path[PATH_MAX], aliases_path[PATH_MAX];
    alias_table *table;
    char *meetings;             /* meetings.tsv, found the same way (none: no meetings are listed) */
    size_t meetings_len;
    char meetings_path[PATH_MAX];
    meeting_table *meeting_kinds;
};

#endif
