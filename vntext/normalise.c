/*
 * Exact and folded keys of one word.
 *
 * A word is parsed into (base letter, quality mark, tone mark) slots, so the
 * same word in NFC, NFD or with its marks in any order lands in the same
 * slots.  If the word is one Vietnamese syllable carrying exactly one tone
 * mark, the tone moves to where the classic orthography puts it.  That rule
 * depends on the syllable's structure (onset, vowel nucleus, coda), never on
 * substrings: "hoà" becomes "hòa" because "oa" is open, while "hoàn" keeps its
 * mark on "a" because the coda "n" closes the syllable.
 */
#include "vntext.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "letters.h"

#define MAX_SLOTS VN_TOKEN_MAX_BYTES

typedef struct slot {
    uint32_t cp;     /* the code point for non-letters (digits, apostrophes) */
    uint8_t base;    /* 'a'..'z' or 0 */
    uint8_t quality;
    uint8_t tone;
} slot;

static int is_vowel(const slot *s)
{
    switch (s->base) {
    case 'a': case 'e': case 'i': case 'o': case 'u': case 'y': return 1;
    default: return 0;
    }
}

/* The codas a Vietnamese syllable can end with. */
static int is_coda(const slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].quality != Q_NONE || s[i].tone != T_NONE)
            return 0;
    switch (n) {
    case 0: return 1;
    case 1: return strchr("cmnpt", s[0].base) != NULL && s[0].base != 0;
    case 2: return (s[0].base == 'c' && s[0 + 1].base == 'h') ||
                   (s[0].base == 'n' && (s[1].base == 'g' || s[1].base == 'h'));
    default: return 0;
    }
}

/* Moves the single tone mark of a one-syllable word to its classic place.
 * Leaves the slots alone when the word does not parse as one syllable. */
static int place_tone(slot *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i].base && !is_vowel(&s[i]))
        i++;
    for (size_t k = 0; k < i; k++)
        if (!s[k].base || s[k].quality == Q_HORN || s[k].quality == Q_CIRCUMFLEX ||
            s[k].quality == Q_BREVE || s[k].tone)
            return 0; /* a mark on a consonant: not Vietnamese */
    if (i == n)
        return 0;
    /* "qu" and "gi" are consonant clusters when another vowel follows:
     * quý is q-u + y, giữ is g-i + ư; but gìn is g + i + n. */
    if (i == 1 && i + 1 < n && is_vowel(&s[i + 1]) &&
        ((s[0].base == 'q' && s[i].base == 'u' && s[i].quality == Q_NONE) ||
         (s[0].base == 'g' && s[i].base == 'i' && s[i].quality == Q_NONE)))
        i++;
    size_t j = i;
    while (j < n && s[j].base && is_vowel(&s[j]))
        j++;
    size_t len = j - i;
    if (len == 0 || len > 3 || !is_coda(s + j, n - j))
        return 0;
    for (size_t k = j; k < n; k++)
        if (!s[k].base)
            return 0;

    size_t target = i;
    size_t marked = n;
    for (size_t k = i; k < j; k++)
        if (s[k].quality != Q_NONE)
            marked = k;
    if (marked != n)
        target = marked;       /* ươ -> ơ, uyê -> ê, ưu -> ư */
    else if (j < n)
        target = j - 1;        /* closed: hoàn, toán, huỳnh */
    else if (len == 3)
        target = i + 1;        /* open triphthong: ngoài, khuỷu */
    else
        target = i;            /* open oa/oe/uy and the rest: hòa, thủy */

    if (s[target].tone)
        return 0; /* already where it belongs */
    unsigned tone = T_NONE;
    for (size_t k = 0; k < n; k++)
        if (s[k].tone) {
            tone = s[k].tone;
            s[k].tone = T_NONE;
        }
    s[target].tone = (uint8_t)tone;
    return 1;
}

/* Parses a word into slots; returns the count, or -1 when some character
 * is not a Latin letter with Vietnamese marks (the generic path takes it). */
static long parse_slots(const char *word, size_t len, slot *s, int *tones, int *changed)
{
    const unsigned char *p = (const unsigned char *)word;
    size_t n = 0;
    *tones = 0;
    *changed = 0; /* set when the exact key differs from the input bytes */
    for (size_t off = 0; off < len;) {
        uint32_t cp;
        int k = vn_utf8_decode(p + off, len - off, &cp);
        if (k == 0)
            return -1;
        off += (size_t)k;
        unsigned q = 0, t = 0;
        if (cp < 0x80) {
            if (n == MAX_SLOTS)
                return -1;
            if (cp >= 'A' && cp <= 'Z') {
                cp += 'a' - 'A';
                *changed = 1;
            }
            s[n++] = (slot){cp, (cp >= 'a' && cp <= 'z') ? (uint8_t)cp : 0, 0, 0};
        } else if (vn_combining_mark(cp, &q, &t)) {
            if (n == 0 || !s[n - 1].base)
                return -1;
            slot *prev = &s[n - 1];
            if ((q && prev->quality) || (t && prev->tone))
                return -1;
            prev->quality = (uint8_t)(prev->quality | q);
            prev->tone = (uint8_t)(prev->tone | t);
            *tones += t != 0;
            *changed = 1; /* NFD: composition changes the bytes */
        } else {
            const vn_letter *l = vn_letter_of(cp);
            if (!l->base || n == MAX_SLOTS)
                return -1;
            s[n++] = (slot){cp, l->base, l->quality, l->tone};
            *tones += l->tone != 0;
            *changed |= l->upper;
        }
    }
    return (long)n;
}

static int put_bytes(char *out, size_t cap, size_t *len, const char *src, size_t n)
{
    if (!out)
        return 0;
    if (*len + n > cap)
        return VN_ERR_OVERFLOW;
    memcpy(out + *len, src, n);
    *len += n;
    return 0;
}

/* Keys of a word outside the Vietnamese letter set (other scripts, other
 * diacritics, invalid UTF-8): utf8proc's NFC + case fold, and for the folded
 * key its mark stripping, plus đ -> d which Unicode does not provide. */
static int generic_keys(const char *word, size_t len, char *exact, size_t ecap, size_t *elen,
                        char *folded, size_t fcap, size_t *flen)
{
    /* Replace invalid sequences first: utf8proc refuses them outright. */
    char *clean = malloc(len * 3 + 1);
    if (!clean)
        return VN_ERR_NOMEM;
    size_t cl = 0;
    const unsigned char *p = (const unsigned char *)word;
    for (size_t off = 0; off < len;) {
        uint32_t cp;
        int k = vn_utf8_decode(p + off, len - off, &cp);
        if (k == 0) {
            cl += (size_t)vn_utf8_encode(0xFFFD, clean + cl);
            off++;
        } else {
            memcpy(clean + cl, word + off, (size_t)k);
            cl += (size_t)k;
            off += (size_t)k;
        }
    }
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        char *out = pass ? folded : exact;
        size_t cap = pass ? fcap : ecap;
        size_t *olen = pass ? flen : elen;
        if (!out)
            continue;
        utf8proc_uint8_t *mapped = NULL;
        int opts = UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STABLE;
        if (pass)
            opts |= UTF8PROC_STRIPMARK;
        utf8proc_ssize_t ml = utf8proc_map((const utf8proc_uint8_t *)clean, (utf8proc_ssize_t)cl, &mapped,
                                           (utf8proc_option_t)opts);
        if (ml < 0) {
            rc = ml == UTF8PROC_ERROR_NOMEM ? VN_ERR_NOMEM : VN_ERR_INVALID;
            break;
        }
        *olen = 0;
        for (utf8proc_ssize_t i = 0; i < ml && rc == 0; i++) {
            if (pass && mapped[i] == 0xC4 && i + 1 < ml && mapped[i + 1] == 0x91) {
                rc = put_bytes(out, cap, olen, "d", 1);
                i++;
            } else {
                rc = put_bytes(out, cap, olen, (const char *)mapped + i, 1);
            }
        }
        free(mapped);
    }
    free(clean);
    return rc;
}

int vn_keys(const char *word, size_t len, char *exact, size_t ecap, size_t *elen, char *folded, size_t fcap,
            size_t *flen)
{
    size_t el_dummy, fl_dummy;
    if (!elen)
        elen = &el_dummy;
    if (!flen)
        flen = &fl_dummy;
    *elen = *flen = 0;
    if (!word && len)
        return VN_ERR_INVALID;
    vn_letters_ensure();

    size_t i = 0;
    while (i < len && (unsigned char)word[i] < 0x80)
        i++;
    if (i == len) { /* ASCII: the common case for numbers and acronyms */
        if ((exact && len > ecap) || (folded && len > fcap))
            return VN_ERR_OVERFLOW;
        for (size_t k = 0; k < len; k++) {
            char c = word[k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c + ('a' - 'A'));
            if (exact)
                exact[k] = c;
            if (folded)
                folded[k] = c;
        }
        *elen = *flen = len;
        return VN_OK;
    }

    slot s[MAX_SLOTS];
    int tones, changed;
    long n = parse_slots(word, len, s, &tones, &changed);
    if (n < 0)
        return generic_keys(word, len, exact, ecap, elen, folded, fcap, flen);
    if (tones == 1 && place_tone(s, (size_t)n))
        changed = 1;

    if (folded) {
        if ((size_t)n > fcap)
            return VN_ERR_OVERFLOW;
        for (long k = 0; k < n; k++)
            folded[k] = s[k].base ? (char)s[k].base : (char)s[k].cp;
        *flen = (size_t)n;
    }
    if (!exact)
        return VN_OK;
    if (!changed) { /* lower case, NFC, tone in place: the input is the key */
        if (len > ecap)
            return VN_ERR_OVERFLOW;
        memcpy(exact, word, len);
        *elen = len;
        return VN_OK;
    }
    /* Compose first: a (base, quality, tone) with no precomposed form only
     * comes from odd NFD input, and the generic path keeps it intact. */
    uint32_t cps[MAX_SLOTS];
    for (long k = 0; k < n; k++) {
        if (!s[k].base) {
            cps[k] = s[k].cp;
        } else {
            cps[k] = vn_letter_compose(s[k].base, s[k].quality, s[k].tone);
            if (!cps[k])
                return generic_keys(word, len, exact, ecap, elen, folded, fcap, flen);
        }
    }
    for (long k = 0; k < n; k++) {
        char buf[4];
        int bl = vn_utf8_encode(cps[k], buf);
        int rc = put_bytes(exact, ecap, elen, buf, (size_t)bl);
        if (rc)
            return rc;
    }
    return VN_OK;
}

long vn_exact_key(const char *word, size_t len, char *out, size_t cap)
{
    size_t n;
    int rc = vn_keys(word, len, out, cap, &n, NULL, 0, NULL);
    return rc ? rc : (long)n;
}

long vn_folded_key(const char *word, size_t len, char *out, size_t cap)
{
    size_t n;
    int rc = vn_keys(word, len, NULL, 0, NULL, out, cap, &n);
    return rc ? rc : (long)n;
}

int vn_has_marks(const char *word, size_t len)
{
    char e[VN_KEY_MAX], f[VN_KEY_MAX];
    size_t el, fl;
    if (vn_keys(word, len, e, sizeof e, &el, f, sizeof f, &fl) != VN_OK)
        return 0;
    return el != fl || memcmp(e, f, el) != 0;
}

const char *vn_errmsg(int status)
{
    switch (status) {
    case VN_OK: return "success";
    case VN_ERR_NOMEM: return "out of memory";
    case VN_ERR_OVERFLOW: return "output buffer too small";
    case VN_ERR_INVALID: return "invalid argument";
    case VN_ERR_BINARY: return "not a text file";
    case VN_ERR_ENCODING: return "text encoding could not be converted";
    default: return "unknown vntext error";
    }
}
