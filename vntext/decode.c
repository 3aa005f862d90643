/*
 * Bytes of a file -> valid UTF-8 with LF line ends.
 *
 * Our sources are Word and PDF exports: UTF-8 with or without a BOM, now and
 * then UTF-16 from a "Unicode text" save, legacy CP1258 from old machines,
 * CRLF line ends, stray NULs and truncated sequences.  Everything downstream
 * (tokeniser, passage splitter, line numbers in error messages) wants clean
 * UTF-8 and "\n", so this is the one place that deals with the mess.
 */
#include "vntext.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>

#include "legacy.h"
#include "letters.h"

const char *vn_encoding_name(vn_encoding enc)
{
    switch (enc) {
    case VN_ENC_UTF8: return "UTF-8";
    case VN_ENC_UTF8_BOM: return "UTF-8 with BOM";
    case VN_ENC_UTF16LE: return "UTF-16LE";
    case VN_ENC_UTF16BE: return "UTF-16BE";
    case VN_ENC_CP1258: return "CP1258";
    case VN_ENC_VISCII: return "VISCII";
    case VN_ENC_TCVN3: return "TCVN3";
    case VN_ENC_VNI: return "VNI-Windows";
    }
    return "unknown";
}

/* Magic numbers of the binary formats a careless `vnindex dir/` meets. */
static int looks_binary(const unsigned char *b, size_t len)
{
    static const struct { const char *magic; size_t len; } magics[] = {
        {"\x7f" "ELF", 4}, {"%PDF-", 5}, {"PK\x03\x04", 4}, {"\x89PNG", 4}, {"\xff\xd8\xff", 3},
        {"GIF8", 4}, {"\x1f\x8b", 2}, {"BZh", 3}, {"\xfd" "7zXZ", 5}, {"\xd0\xcf\x11\xe0", 4},
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (len >= magics[i].len && memcmp(b, magics[i].magic, magics[i].len) == 0)
            return 1;
    /* Control characters other than tab, LF, CR, FF and NUL (counted
     * separately, since UTF-16 and stray NULs are handled) in the first 64 KiB. */
    size_t n = len < 65536 ? len : 65536, ctl = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] < 0x20 && b[i] != 0 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' && b[i] != '\f')
            ctl++;
    return n > 0 && ctl * 20 > n; /* over 5 % */
}

/* UTF-16 without a BOM: text in Latin scripts has a NUL in every other byte. */
static vn_encoding sniff_utf16(const unsigned char *b, size_t len)
{
    size_t n = len < 65536 ? len & ~(size_t)1 : 65536;
    if (n < 4)
        return VN_ENC_UTF8;
    size_t even = 0, odd = 0;
    for (size_t i = 0; i < n; i += 2) {
        even += b[i] == 0;
        odd += b[i + 1] == 0;
    }
    if (odd * 10 > n * 3 && even * 20 < n)
        return VN_ENC_UTF16LE;
    if (even * 10 > n * 3 && odd * 20 < n)
        return VN_ENC_UTF16BE;
    return VN_ENC_UTF8;
}

/* Converts UTF-16 with ICU into a malloc'd UTF-8 buffer. */
static int icu_to_utf8(const char *from, const char *src, size_t len, char **out, size_t *out_len)
{
    if (len > INT32_MAX / 2)
        return VN_ERR_ENCODING;
    UErrorCode err = U_ZERO_ERROR;
    int32_t cap = (int32_t)(len * 2 + 16); /* UTF-16 -> UTF-8: at most 3/2 */
    char *dst = malloc((size_t)cap);
    if (!dst)
        return VN_ERR_NOMEM;
    int32_t n = ucnv_convert("UTF-8", from, dst, cap, src, (int32_t)len, &err);
    if (U_FAILURE(err)) {
        free(dst);
        return VN_ERR_ENCODING;
    }
    *out = dst;
    *out_len = (size_t)n;
    return VN_OK;
}

/* Copies UTF-8, repairing it: invalid sequences -> U+FFFD, NUL -> space,
 * CRLF / CR -> LF.  `dst` has room for 3 * len bytes.  `converted`: the text
 * came out of ICU, whose U+FFFD marks input it could not convert (a lone
 * UTF-16 surrogate), so those count as invalid too. */
static size_t repair_utf8(const unsigned char *s, size_t len, char *dst, vn_decode_report *r, int converted)
{
    size_t o = 0, line = 1, line_start = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80) {
            dst[o++] = (char)c;
            i++;
            continue;
        }
        if (c == '\n') {
            dst[o++] = '\n';
            line++;
            line_start = ++i;
            continue;
        }
        if (c == '\r') {
            dst[o++] = '\n';
            r->crlf = 1;
            line++;
            i += (i + 1 < len && s[i + 1] == '\n') ? 2 : 1;
            line_start = i;
            continue;
        }
        if (c == 0) {
            dst[o++] = ' ';
            if (r->nul_bytes++ == 0)
                r->first_nul_line = line;
            i++;
            continue;
        }
        if (c < 0x80) {
            dst[o++] = (char)c;
            i++;
            continue;
        }
        uint32_t cp;
        int k = vn_utf8_decode(s + i, len - i, &cp);
        if (k == 0) {
            if (r->invalid_bytes++ == 0) {
                r->first_invalid_line = line;
                r->first_invalid_col = i - line_start + 1;
            }
            o += (size_t)vn_utf8_encode(0xFFFD, dst + o);
            i++;
            continue;
        }
        if (converted && cp == 0xFFFD && r->invalid_bytes++ == 0) {
            r->first_invalid_line = line;
            r->first_invalid_col = i - line_start + 1;
        }
        memcpy(dst + o, s + i, (size_t)k);
        o += (size_t)k;
        i += (size_t)k;
    }
    return o;
}

/* Counts the bytes >= 0x80 that start a valid UTF-8 sequence and those that
 * do not. */
static void count_utf8(const unsigned char *s, size_t len, size_t *valid, size_t *invalid)
{
    *valid = *invalid = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int k = vn_utf8_decode(s + i, len - i, &cp);
        if (k > 0) {
            (*valid)++;
            i += (size_t)k;
        } else {
            (*invalid)++;
            i++;
        }
    }
}

/* The sample the candidates are scored on: enough text to tell them apart,
 * cut at a line end so no multi-byte sequence is split. */
#define SAMPLE_BYTES 65536

static size_t sample_length(const unsigned char *b, size_t len)
{
    if (len <= SAMPLE_BYTES)
        return len;
    for (size_t i = SAMPLE_BYTES; i > SAMPLE_BYTES / 2; i--)
        if (b[i - 1] == '\n' || b[i - 1] == ' ')
            return i;
    return SAMPLE_BYTES;
}

static int score_candidate(vn_encoding enc, const unsigned char *b, size_t len, vn_syllable_score *sc)
{
    if (enc == VN_ENC_UTF8) {
        vn_score_syllables((const char *)b, len, sc); /* invalid bytes count as U+FFFD */
        return VN_OK;
    }
    char *text = NULL;
    size_t n = 0, invalid = 0;
    int rc = vn_legacy_to_utf8(enc, (const char *)b, len, &text, &n, &invalid);
    if (rc == VN_OK)
        vn_score_syllables(text, n, sc);
    free(text);
    return rc;
}

/*
 * Which encoding an 8-bit text is in: the one whose decoding has the most
 * Vietnamese syllables (less the words that are not), on the first 64 KiB.
 * Ties go to the earlier candidate: UTF-8 when some of the text is valid
 * UTF-8, else CP1258, the encoding Windows itself offers; a text that reads
 * as Vietnamese in none of them stays UTF-8 if some of it is.  Uncertain when no
 * decoding gives three syllables more than it spoils, or the runner-up
 * comes within a quarter of the winner.
 */
static void choose_8bit(const unsigned char *b, size_t len, int some_utf8, vn_decode_report *r)
{
    static const vn_encoding order[] = {VN_ENC_UTF8, VN_ENC_CP1258, VN_ENC_TCVN3, VN_ENC_VNI, VN_ENC_VISCII};
    size_t sample = sample_length(b, len);
    long best = 0, second = 0;
    int have_best = 0, have_second = 0;
    for (size_t i = some_utf8 ? 0 : 1; i < sizeof order / sizeof order[0]; i++) {
        vn_syllable_score sc;
        if (score_candidate(order[i], b, sample, &sc) != VN_OK)
            continue;
        long score = (long)sc.good - (long)sc.bad;
        if (!have_best || score > best) {
            if (have_best) {
                second = best;
                r->runner_up = r->encoding;
                have_second = 1;
            }
            best = score;
            r->encoding = order[i];
            r->syllables = sc.good;
            have_best = 1;
        } else if (!have_second || score > second) {
            second = score;
            r->runner_up = order[i];
            have_second = 1;
        }
    }
    if (!have_best || (some_utf8 && best <= 0)) {
        /* Nothing reads as Vietnamese: damaged UTF-8 stays UTF-8, and text
         * with no valid sequence at all is read as Windows' own CP1258. */
        r->encoding = some_utf8 ? VN_ENC_UTF8 : VN_ENC_CP1258;
        r->uncertain = !some_utf8;
        return;
    }
    r->uncertain = !have_best || best < 3 || (have_second && second > 0 && second * 4 > best * 3);
}

int vn_decode(const char *bytes, size_t len, char **out, size_t *out_len, vn_decode_report *report)
{
    vn_decode_report dummy;
    vn_decode_report *r = report ? report : &dummy;
    memset(r, 0, sizeof *r);
    *out = NULL;
    *out_len = 0;
    if (!bytes && len)
        return VN_ERR_INVALID;
    const unsigned char *b = (const unsigned char *)bytes;

    char *converted = NULL;
    size_t conv_len = 0;
    const char *icu_from = NULL;
    size_t skip = 0;
    if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        r->encoding = VN_ENC_UTF16LE;
        icu_from = "UTF-16LE";
        skip = 2;
    } else if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        r->encoding = VN_ENC_UTF16BE;
        icu_from = "UTF-16BE";
        skip = 2;
    } else if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        r->encoding = VN_ENC_UTF8_BOM;
        skip = 3;
    } else if ((r->encoding = sniff_utf16(b, len)) != VN_ENC_UTF8) {
        icu_from = r->encoding == VN_ENC_UTF16LE ? "UTF-16LE" : "UTF-16BE";
    } else if (looks_binary(b, len)) {
        return VN_ERR_BINARY;
    } else {
        size_t valid, invalid;
        count_utf8(b, len, &valid, &invalid);
        if (invalid) /* not all UTF-8: which decoding reads as Vietnamese? */
            choose_8bit(b, len, valid > 0, r);
    }
    if (r->encoding >= VN_ENC_CP1258) {
        size_t ignored = 0; /* U+FFFD in the output: counted by repair_utf8() */
        int rc = vn_legacy_to_utf8(r->encoding, bytes, len, &converted, &conv_len, &ignored);
        if (rc)
            return rc;
        b = (const unsigned char *)converted;
        len = conv_len;
    } else if (icu_from) {
        int rc = icu_to_utf8(icu_from, bytes + skip, len - skip, &converted, &conv_len);
        if (rc)
            return rc;
        b = (const unsigned char *)converted;
        len = conv_len;
        skip = 0;
    }

    /* One more BOM can survive conversion (a UTF-16 file saved with one). */
    if (len - skip >= 3 && b[skip] == 0xEF && b[skip + 1] == 0xBB && b[skip + 2] == 0xBF)
        skip += 3;
    char *dst = malloc((len - skip) * 3 + 1);
    if (!dst) {
        free(converted);
        return VN_ERR_NOMEM;
    }
    size_t n = repair_utf8(b + skip, len - skip, dst, r, converted != NULL);
    dst[n] = '\0';
    free(converted);
    *out = dst;
    *out_len = n;
    return VN_OK;
}

size_t vn_utf8_text_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] >= 0x01 && p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int n = p[i] ? vn_utf8_decode(p + i, len - i, &cp) : 0;
        if (n == 0)
            return i;
        i += (size_t)n;
    }
    return len;
}
