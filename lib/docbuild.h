/*
 * Passages -> Xapian documents (vs_docbuild_file in vnsearch.h), and the
 * terms other parts of the writer need to find a file's or a passage's
 * documents again.
 */
#ifndef VN_DOCBUILD_H
#define VN_DOCBUILD_H

#include <stddef.h>

#include "tables.h"
#include "vnsearch.h"
#include "xapian-c.h"

/* The part a passage id belongs to. */
size_t docbuild_shard_of(const char *id, size_t nshards);

/* The boolean term of the file `name` (for --update deletes). */
void docbuild_file_term(const char *name, char *term, size_t cap, size_t *len);

/* The term of the passages of `name` written by build `build`. */
void docbuild_version_term(const char *name, long build, char *term, size_t cap, size_t *len);

/* Adds a document (of about `bytes` on disk) to a part, committing every so
 * many (indexdb.c). */
int vs_part_add(vs_part *p, xc_doc *doc, size_t bytes);

/* The writable database behind a part (indexdb.c). */
xc_wdb *vs_part_wdb(vs_part *p);

#endif
