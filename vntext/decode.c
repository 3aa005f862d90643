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

#include "letters.h"

const char *vn_encoding_name(vn_encoding enc)
{
    switch (enc) {
    case VN_ENC_UTF8: return "UTF-8";
    case VN_ENC_UTF8_BOM: return "UTF-8 with BOM";
    case VN_ENC_UTF16LE: return "UTF-16LE";
    case VN_ENC_UTF16BE: return "UTF-16BE";
    case VN_ENC_CP1258: return "CP1258";
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

/* Converts with ICU into a malloc'd UTF-8 buffer. */
static int icu_to_utf8(const char *from, const char *src, size_t len, char **out, size_t *out_len)
{
    if (len > INT32_MAX / 2)
        return VN_ERR_ENCODING;
    UErrorCode err = U_ZERO_ERROR;
    int32_t cap = (int32_t)(len * 2 + 16); /* UTF-16 -> UTF-8 at most 3/2, CP1258 -> UTF-8 at most 3 */
    if (strcmp(from, "windows-1258") == 0)
        cap = (int32_t)(len * 3 + 16);
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

/* 1 if no byte >= 0x80 starts a valid multi-byte sequence but some exist:
 * the signature of an 8-bit legacy encoding. */
static int no_valid_multibyte(const unsigned char *s, size_t len)
{
    size_t high = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int k = vn_utf8_decode(s + i, len - i, &cp);
        if (k > 0)
            return 0;
        high++;
        i++;
    }
    return high > 0;
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
    } else if (no_valid_multibyte(b, len)) {
        r->encoding = VN_ENC_CP1258;
        icu_from = "windows-1258";
    }
    if (icu_from) {
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
    size_t n = repair_utf8(b + skip, len - skip, dst, r, icu_from != NULL);
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
