/*
 * Copy keys held in memory (VS_OPEN_HOLD_KEYS): every passage's SLOT_DUPKEY,
 * read once from the value stream into an array indexed by docid.
 *
 * A search lists each passage once, copies as one (search.c): it reads the
 * copy key of every hit it looks at, and to count distinct passages the key
 * of every match.  Read through Xapian, each is a lookup in the value
 * stream's chunks, a block read at a time; a process that answers many
 * searches (the server, a batch) holds them instead, 8 bytes a passage,
 * read again when the index changes (vs_refresh).  A one-shot search, an
 * index past HOLD_KEYS_MAX passages or of several shards (Xapian hands a
 * match decider and a posting source each shard's own ids; remote ones
 * serve no value stream) reads them through Xapian as before: the answers
 * are the same either way (hits-e2e, shards-e2e).
 *
 * Only the keys of passages that have a copy are kept (the others are 0).
 * The count of distinct passages (search.c) is the count of every match
 * less the copies after the first: those are noted as the count goes over
 * the matches, or looked for among the passages that have a copy
 * (e->copied, a few per cent of an index) when Xapian knows the count
 * without going over them.
 */
#include <stdlib.h>

#include "engine.h"
#include "schema.h"

/* 64 MB of keys at most. */
#define HOLD_KEYS_MAX (8u << 20)

typedef struct key_load {
    uint64_t *keys;
    uint32_t n;
    int bad;
} key_load;

static int keep_key(void *ctx, xc_docid id, const char *v, size_t vl)
{
    key_load *l = ctx;
    if (id >= l->n) { /* past the last docid read before it: not the same snapshot */
        l->bad = 1;
        return 1;
    }
    if (vl == 8)
        l->keys[id] = schema_key_get(v);
    return 0;
}

typedef struct keyed {
    uint64_t key;
    xc_docid id;
} keyed;

static int by_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key ? 1 : x->id < y->id ? -1 : x->id > y->id;
}

/* Drops the keys no other passage shares (a passage without a copy needs
 * none), and makes the passages left a query in *copied.  -1 out of
 * memory. */
static int keep_copies(uint64_t *keys, uint32_t n, xc_query **copied)
{
    size_t count = 0, k = 0;
    for (uint32_t i = 0; i < n; i++)
        count += keys[i] != 0;
    keyed *all = malloc((count ? count : 1) * sizeof *all);
    xc_docid *ids = malloc((count ? count : 1) * sizeof *ids);
    int rc = -1;
    if (all && ids) {
        for (uint32_t i = 0; i < n; i++)
            if (keys[i])
                all[k++] = (keyed){keys[i], i};
        qsort(all, count, sizeof *all, by_key);
        size_t nids = 0;
        for (size_t a = 0; a < count;) {
            size_t b = a + 1;
            while (b < count && all[b].key == all[a].key)
                b++;
            for (size_t j = a; j < b; j++)
                if (b - a > 1)
                    ids[nids++] = all[j].id;
                else
                    keys[all[j].id] = 0;
            a = b;
        }
        rc = (*copied = xc_query_docids(ids, nids)) ? 0 : -1;
    }
    free(all);
    free(ids);
    return rc;
}

void engine_hold_keys(vs_engine *e)
{
    free(e->copy_keys);
    e->copy_keys = NULL;
    e->ncopy_keys = 0;
    xc_query_free(e->copied);
    e->copied = NULL;
    xc_docid last = 0;
    size_t shards = 0;
    /* one local shard: a match decider sees a shard's own ids, as a posting
     * source does (shards-e2e) */
    if (!e->hold_keys || xc_db_shard_count(e->db, &shards) != XC_OK || shards != 1 ||
        xc_db_lastdocid(e->db, &last) != XC_OK || last >= HOLD_KEYS_MAX)
        return;
    key_load l = {calloc((size_t)last + 1, sizeof *l.keys), last + 1, 0};
    if (!l.keys)
        return;
    /* any failure (remote shards, the index changed twice meanwhile, no
     * memory): the keys are read through Xapian, as without the flag */
    if (xc_db_values(e->db, SLOT_DUPKEY, keep_key, &l) != XC_OK || l.bad) {
        free(l.keys);
        return;
    }
    if (keep_copies(l.keys, l.n, &e->copied) != 0) {
        free(l.keys);
        return;
    }
    e->copy_keys = l.keys;
    e->ncopy_keys = l.n;
}

int engine_copy_key(const vs_engine *e, xc_docid id, uint64_t *key)
{
    if (!e->copy_keys)
        return 0;
    *key = id < e->ncopy_keys ? e->copy_keys[id] : 0;
    return 1;
}
