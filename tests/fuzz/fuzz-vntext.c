/*
 * Fuzz harness: vntext's decoder, tokeniser and key functions on arbitrary
 * bytes.  Beyond "no crash, no leak, no undefined behaviour" it checks the
 * contracts vntext.h promises: vn_decode() yields valid, NUL-terminated
 * UTF-8 with no CR and no NUL; tokens lie inside the buffer, in order, with
 * non-empty keys that fit VN_KEY_MAX; keys of valid UTF-8 are valid UTF-8;
 * a too-small output buffer gives VN_ERR_OVERFLOW, never an overrun.
 */
#include <string.h>

#include "fuzz.h"
#include "vntext.h"

static void check_tokens(vn_tokenizer *tok, const char *buf, size_t len, int valid)
{
    vn_tokenizer_reset(tok, buf, len, 7);
    vn_token t;
    uint32_t last_pos = 7;
    size_t last_start = 0, count = 0;
    while (vn_tokenizer_next(tok, &t)) {
        FUZZ_CHECK(t.start < t.end && t.end <= len, "token [%zu, %zu) in %zu bytes", t.start, t.end, len);
        FUZZ_CHECK(t.exact_len > 0 && t.exact_len <= VN_KEY_MAX, "exact key of %zu bytes", t.exact_len);
        FUZZ_CHECK(t.folded_len > 0 && t.folded_len <= VN_KEY_MAX, "folded key of %zu bytes", t.folded_len);
        FUZZ_CHECK(t.end - t.start <= 16 * (VN_TOKEN_MAX_BYTES + 4), "token of %zu bytes", t.end - t.start);
        if (t.kind == VN_TOKEN_WORD || t.kind == VN_TOKEN_NUMBER) {
            FUZZ_CHECK(t.pos >= last_pos, "position %u after %u", t.pos, last_pos);
            FUZZ_CHECK(t.start >= last_start, "token at %zu after one at %zu", t.start, last_start);
            last_pos = t.pos;
            last_start = t.start;
        } else {
            /* alternatives share their anchor's position */
            FUZZ_CHECK(t.pos >= last_pos && t.pos < vn_tokenizer_next_pos(tok), "alternative at %u after %u",
                       t.pos, last_pos);
        }
        if (valid) {
            FUZZ_CHECK(fuzz_valid_utf8(t.exact, t.exact_len), "exact key not UTF-8");
            FUZZ_CHECK(fuzz_valid_utf8(t.folded, t.folded_len), "folded key not UTF-8");
        }
        count++;
        FUZZ_CHECK(count <= 8 * len + 8, "%zu tokens from %zu bytes", count, len);
    }
    FUZZ_CHECK(!vn_tokenizer_next(tok, &t), "tokens after the end");
}

static void check_keys(const char *w, size_t len)
{
    char e[VN_KEY_MAX * 4], f[VN_KEY_MAX * 4];
    size_t el = 0, fl = 0;
    int rc = vn_keys(w, len, e, sizeof e, &el, f, sizeof f, &fl);
    if (rc == VN_OK) {
        FUZZ_CHECK(el <= sizeof e && fl <= sizeof f, "lengths %zu %zu", el, fl);
        if (fuzz_valid_utf8(w, len)) {
            FUZZ_CHECK(fuzz_valid_utf8(e, el), "exact key not UTF-8");
            FUZZ_CHECK(fuzz_valid_utf8(f, fl), "folded key not UTF-8");
        }
        /* The same keys one at a time, and into buffers one byte too small. */
        char e2[VN_KEY_MAX * 4], f2[VN_KEY_MAX * 4];
        long n = vn_exact_key(w, len, e2, sizeof e2);
        FUZZ_CHECK(n == (long)el && memcmp(e, e2, el) == 0, "vn_exact_key differs from vn_keys");
        n = vn_folded_key(w, len, f2, sizeof f2);
        FUZZ_CHECK(n == (long)fl && memcmp(f, f2, fl) == 0, "vn_folded_key differs from vn_keys");
        if (el > 0) {
            char *small = malloc(el - 1 + 1); /* exact size under ASan: an overrun is caught */
            n = vn_exact_key(w, len, small, el - 1);
            FUZZ_CHECK(n == VN_ERR_OVERFLOW, "exact key into %zu bytes returned %ld", el - 1, n);
            free(small);
        }
        if (fl > 0) {
            char *small = malloc(fl - 1 + 1);
            n = vn_folded_key(w, len, small, fl - 1);
            FUZZ_CHECK(n == VN_ERR_OVERFLOW, "folded key into %zu bytes returned %ld", fl - 1, n);
            free(small);
        }
    } else {
        FUZZ_CHECK(rc == VN_ERR_OVERFLOW || rc == VN_ERR_NOMEM, "vn_keys: %s", vn_errmsg(rc));
    }
    (void)vn_has_marks(w, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *raw = (const char *)data;
    static vn_tokenizer *tok;
    if (!tok)
        tok = vn_tokenizer_new();

    char *text = NULL;
    size_t len = 0;
    vn_decode_report rep;
    int rc = vn_decode(raw, size, &text, &len, &rep);
    if (rc == VN_OK) {
        FUZZ_CHECK(text && text[len] == '\0', "output not NUL-terminated");
        FUZZ_CHECK(fuzz_valid_utf8(text, len), "vn_decode output is not valid UTF-8");
        FUZZ_CHECK(!memchr(text, '\r', len) && !memchr(text, '\0', len), "CR or NUL left in the output");
        FUZZ_CHECK(rep.invalid_bytes == 0 || rep.first_invalid_line >= 1, "invalid bytes with no line");
        check_tokens(tok, text, len, 1);
        free(text);
    } else {
        FUZZ_CHECK(text == NULL && (rc == VN_ERR_BINARY || rc == VN_ERR_ENCODING), "vn_decode: %s",
                   vn_errmsg(rc));
    }

    /* The tokeniser and keys also take raw bytes: invalid ones separate tokens. */
    check_tokens(tok, raw, size, fuzz_valid_utf8(raw, size));
    if (size <= 4 * VN_TOKEN_MAX_BYTES)
        check_keys(raw, size);
    return 0;
}
