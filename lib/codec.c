/*
 * Stored records, compressed.
 *
 * A passage's record is a few hundred bytes, too short for a compressor to
 * find much in it alone: Xapian's own zlib pass left them at 0.84 of the
 * text.  Trained on a sample of the index's own records, a zstd dictionary
 * holds the syllables, field names and file names they share, and each
 * record then compresses to about a third (bench/README.md).  The
 * dictionary is stored in the index (META_DICT) and every part of an index
 * uses the same one.
 *
 * The stored form is one tag byte and a payload: RECORD_RAW and the record
 * as it is, or RECORD_ZSTD and a zstd frame with no checksum and no
 * dictionary id (an index has one dictionary): eight bytes of frame
 * overhead on a record of a hundred and fifty.
 */
#include "codec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zdict.h>
#include <zstd.h>
#include <zstd_errors.h>

#define RECORD_RAW 'r'
#define RECORD_ZSTD 'z'
#define DICT_BYTES (64 * 1024)
#define MIN_SAMPLES 200   /* fewer give ZDICT too little to learn from */
#define LEVEL 3

struct vs_codec {
    char *dict;
    size_t dict_len;
    /* the compression dictionary is made on the first record packed: a
     * search only unpacks, and making it was a sixth of a query's start */
    pthread_mutex_t lock;
    int cdict_tried;
    ZSTD_CDict *cdict;
    ZSTD_DDict *ddict;
};

struct codec_ctx {
    const vs_codec *codec;
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
};

static int codec_prepare(vs_codec *c)
{
    if (!c->dict_len)
        return 0;
    c->ddict = ZSTD_createDDict(c->dict, c->dict_len);
    return c->ddict ? 0 : -1;
}

/* The compression dictionary, made once, by whichever thread packs first;
 * NULL when the codec has none or it could not be made. */
static ZSTD_CDict *codec_cdict(vs_codec *c)
{
    pthread_mutex_lock(&c->lock);
    if (!c->cdict_tried && c->dict_len)
        c->cdict = ZSTD_createCDict(c->dict, c->dict_len, LEVEL);
    c->cdict_tried = 1;
    ZSTD_CDict *d = c->cdict;
    pthread_mutex_unlock(&c->lock);
    return d;
}

int vs_codec_from_dict(const char *dict, size_t len, vs_codec **out)
{
    *out = NULL;
    vs_codec *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return -1;
    }
    if (len) {
        c->dict = malloc(len);
        if (!c->dict) {
            pthread_mutex_destroy(&c->lock);
            free(c);
            return -1;
        }
        memcpy(c->dict, dict, len);
        c->dict_len = len;
    }
    if (codec_prepare(c)) {
        vs_codec_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int vs_codec_train(const char *samples, const size_t *sizes, size_t n, vs_codec **out, char *err, size_t cap)
{
    *out = NULL;
    if (n < MIN_SAMPLES) /* a small index: records stored without a dictionary */
        return vs_codec_from_dict(NULL, 0, out) ? (snprintf(err, cap, "out of memory"), -1) : 0;
    char *dict = malloc(DICT_BYTES);
    if (!dict) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    size_t got = ZDICT_trainFromBuffer(dict, DICT_BYTES, samples, sizes, (unsigned)n);
    int rc;
    if (ZDICT_isError(got)) /* too uniform to learn from: no dictionary, still valid */
        rc = vs_codec_from_dict(NULL, 0, out);
    else
        rc = vs_codec_from_dict(dict, got, out);
    free(dict);
    if (rc)
        snprintf(err, cap, "out of memory");
    return rc;
}

void vs_codec_free(vs_codec *c)
{
    if (!c)
        return;
    ZSTD_freeCDict(c->cdict);
    ZSTD_freeDDict(c->ddict);
    pthread_mutex_destroy(&c->lock);
    free(c->dict);
    free(c);
}

const char *vs_codec_dict(const vs_codec *c, size_t *len)
{
    *len = c ? c->dict_len : 0;
    return c ? c->dict : NULL;
}

codec_ctx *codec_ctx_new(const vs_codec *c)
{
    codec_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->codec = c;
    x->dctx = ZSTD_createDCtx();
    if (!x->dctx || (c && c->ddict && ZSTD_isError(ZSTD_DCtx_refDDict(x->dctx, c->ddict)))) {
        codec_ctx_free(x);
        return NULL;
    }
    return x;
}

/* The compression side of x, on its first record: 0, or -1 when it cannot
 * be made (a record is then not packed without its dictionary). */
static int codec_ctx_compressing(codec_ctx *x)
{
    if (x->cctx)
        return 0;
    /* the dictionary made lazily is a cache of the codec, not its state */
    vs_codec *c = (vs_codec *)x->codec;
    ZSTD_CDict *cdict = c && c->dict_len ? codec_cdict(c) : NULL;
    if (c && c->dict_len && !cdict)
        return -1;
    x->cctx = ZSTD_createCCtx();
    if (!x->cctx || ZSTD_isError(ZSTD_CCtx_setParameter(x->cctx, ZSTD_c_dictIDFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(x->cctx, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(x->cctx, ZSTD_c_compressionLevel, LEVEL)) ||
        (cdict && ZSTD_isError(ZSTD_CCtx_refCDict(x->cctx, cdict)))) {
        ZSTD_freeCCtx(x->cctx);
        x->cctx = NULL;
        return -1;
    }
    return 0;
}

void codec_ctx_free(codec_ctx *x)
{
    if (!x)
        return;
    ZSTD_freeCCtx(x->cctx);
    ZSTD_freeDCtx(x->dctx);
    free(x);
}

int codec_pack(codec_ctx *x, const char *in, size_t len, strbuf *out)
{
    if (codec_ctx_compressing(x) != 0)
        return -1;
    size_t bound = ZSTD_compressBound(len);
    size_t start = out->len;
    sb_putc(out, RECORD_ZSTD);
    /* grow the buffer, then write into it */
    sb_append(out, NULL, 0);
    if (out->failed)
        return -1;
    while (out->cap < out->len + bound + 1) {
        size_t need = out->len + bound + 1;
        char *p = realloc(out->s, need);
        if (!p) {
            out->failed = 1;
            return -1;
        }
        out->s = p;
        out->cap = need;
    }
    size_t n = ZSTD_compress2(x->cctx, out->s + out->len, bound, in, len);
    if (ZSTD_isError(n) || n >= len) { /* incompressible: kept as it is */
        out->len = start;
        sb_putc(out, RECORD_RAW);
        sb_append(out, in, len);
        return out->failed ? -1 : 0;
    }
    out->len += n;
    out->s[out->len] = '\0';
    return 0;
}

int codec_unpack(codec_ctx *x, const char *in, size_t len, strbuf *out)
{
    sb_reset(out);
    if (len == 0)
        return -1;
    if (in[0] == RECORD_RAW) {
        sb_append(out, in + 1, len - 1);
        return out->failed ? -1 : 0;
    }
    if (in[0] != RECORD_ZSTD)
        return -1;
    /* the frame says how long the record is; a damaged one is bounded */
    unsigned long long size = ZSTD_getFrameContentSize(in + 1, len - 1);
    size_t cap = size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR && size < (64u << 20)
                     ? (size_t)size
                     : len * 16 + 1024;
    for (int attempt = 0; attempt < 4; attempt++) {
        if (out->cap < cap + 1) {
            char *p = realloc(out->s, cap + 1);
            if (!p) {
                out->failed = 1;
                return -1;
            }
            out->s = p;
            out->cap = cap + 1;
        }
        size_t n = ZSTD_decompressDCtx(x->dctx, out->s, cap, in + 1, len - 1);
        if (!ZSTD_isError(n)) {
            out->len = n;
            out->s[n] = '\0';
            return 0;
        }
        if (ZSTD_getErrorCode(n) != ZSTD_error_dstSize_tooSmall)
            return -1;
        cap *= 4;
    }
    return -1;
}
