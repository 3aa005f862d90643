/*
 * Record compression (vs_codec in vnsearch.h): one context per thread.
 */
#ifndef VN_CODEC_H
#define VN_CODEC_H

#include <stddef.h>

#include "vnsearch.h"

typedef struct codec_ctx codec_ctx;

/* The dictionary's bytes (for the index's metadata); NULL if none. */
const char *vs_codec_dict(const vs_codec *c, size_t *len);

/* A context for one thread; c may be NULL (no dictionary). */
codec_ctx *codec_ctx_new(const vs_codec *c);
void codec_ctx_free(codec_ctx *x);

/* Appends the stored form of a record (a tag byte and the payload) to out.
 * Returns 0, or -1 on allocation failure. */
int codec_pack(codec_ctx *x, const char *in, size_t len, strbuf *out);

/* Replaces out with the record stored in in[0, len).  Returns 0, or -1 if
 * it is damaged (or made with another dictionary) or memory ran out. */
int codec_unpack(codec_ctx *x, const char *in, size_t len, strbuf *out);

#endif
