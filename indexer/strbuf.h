/*
 * A growable byte string.  Allocation failure is sticky: the first failed
 * append sets `failed` and later appends do nothing, so builders can append
 * freely and check once at the end.
 */
#ifndef VN_STRBUF_H
#define VN_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *s;      /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    int failed;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, 0}

void sb_append(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reset(strbuf *b);  /* length 0, keeps the allocation */
void sb_free(strbuf *b);
/* Hands the buffer to the caller (NUL-terminated, never NULL unless failed). */
char *sb_take(strbuf *b);

#endif
