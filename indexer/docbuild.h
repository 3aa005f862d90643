/*
 * One file's text -> Xapian documents: split into passages, tag frameworks
 * and dates, and turn every passage into terms, values and a stored record
 * following schema.h.
 */
#ifndef VN_DOCBUILD_H
#define VN_DOCBUILD_H

#include <stddef.h>
#include <stdio.h>

#include "aliases.h"
#include "xapian-c.h"

typedef struct docbuild_stats {
    size_t passages;
    size_t terms;   /* postings added */
} docbuild_stats;

typedef struct docbuilder docbuilder;

/* A builder holds reusable scratch space (tokeniser, document, buffers); one
 * per thread.  The alias table is shared and read-only. */
docbuilder *docbuilder_new(const alias_table *t);
void docbuilder_free(docbuilder *b);

/* Instead of adding documents, print each passage as one TSV line
 * (id, framework, mentions, dates, section, heading, text) to `out`:
 * vnindex --dump, to see how a file is split and tagged. */
void docbuilder_set_dump(docbuilder *b, FILE *out);

/* Adds the passages of one file (`text`: valid UTF-8, LF line ends, as from
 * vn_decode) as the file called `name`.  With several shards, each passage
 * goes to shard hash(id) % nshards, so it always lands in the same one.
 * Returns 0, or an xc_status with a message in err. */
int docbuild_file(docbuilder *b, xc_wdb *const *shards, size_t nshards, const char *name, const char *text,
                  size_t len, docbuild_stats *stats, char *err, size_t errcap);

/* The shard a passage id belongs to. */
size_t docbuild_shard_of(const char *id, size_t nshards);

/* The term a date filter uses for the file `name` (for --update deletes). */
void docbuild_file_term(const char *name, char *term, size_t cap, size_t *len);

#endif
