/*
 * Finding and reading the alias tables (frameworks.tsv, aliases.tsv) that
 * an index is built with.
 */
#ifndef VN_TABLES_H
#define VN_TABLES_H

#include <stddef.h>

#include "aliases.h"

typedef struct table_text {
    char *frameworks, *aliases; /* file contents, or NULL */
    size_t frameworks_len, aliases_len;
    char frameworks_path[4096], aliases_path[4096];
} table_text;

/* Reads the tables: the explicit paths if given, else frameworks.tsv and
 * aliases.tsv in the first PATH argument that is a directory holding them,
 * else $VNSEARCH_DATA, else the installed data directory.  A table that is
 * found nowhere is left NULL.  Returns 0, or -1 with a message. */
int tables_read(table_text *tt, const char *frameworks, const char *aliases, const char *const *paths,
                size_t npaths, char *err, size_t cap);
/* Parses what tables_read found. */
int tables_parse(const table_text *tt, alias_table **out, char *err, size_t cap);
void tables_free(table_text *tt);

#endif
