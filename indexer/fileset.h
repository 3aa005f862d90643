/*
 * The files to index: PATH arguments walked into a list of documents, each
 * with the name its passages are cited by (the path relative to the directory
 * given, or the base name of a file given directly).
 */
#ifndef VN_FILESET_H
#define VN_FILESET_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct input_file {
    char *path;      /* as opened */
    char *name;      /* as cited: mekong-frameworks.txt, sub/x.txt */
    char *real;      /* realpath, to know which indexed files a PATH covers */
    uint64_t size;
    int64_t mtime_ns;
    int64_t ctime_ns; /* which nobody can set: a restored mtime still moves it */
    uint64_t ino;     /* a file swapped for another by rename has another inode */
} input_file;

typedef struct fileset {
    input_file *files;
    size_t count, cap;
    char **roots;    /* realpaths of the PATH arguments */
    size_t nroots;
    size_t warnings;
} fileset;

/* Walks the paths: directories recursively (files a reader reads: .txt,
 * .docx, .odt, .pdf, .html, .htm, .doc, .rtf; hidden entries skipped,
 * symlink loops, unreadable entries, FIFOs and devices with such names
 * warned about and skipped); files given directly whatever their name.  A
 * name of any length is kept whole (the index shortens its terms, see
 * schema_term()).  Warnings go to
 * `warn` (one line each, naming the path).  Returns 0, or -1 on allocation
 * failure. */
int fileset_collect(fileset *fs, const char *const *paths, size_t n, FILE *warn);
void fileset_free(fileset *fs);

/* 1 if `name` is a file a reader reads (.txt, .docx, .odt, .pdf, .html,
 * .doc, .rtf: readers.h), by its extension in any case. */
int fileset_reads_name(const char *name);

/* 1 if `real` lies under one of the roots (or is one). */
int fileset_covers(const fileset *fs, const char *real);

#endif
