/*
 * The legacy 8-bit Vietnamese encodings (see legacy.h).
 *
 * Old files from ministries come in whatever font the typist had: the ABC
 * fonts (.VnTime: TCVN3, i.e. TCVN 5712:1993 VN3), the VNI fonts (VNI-Times:
 * a letter followed by a byte for its marks), VISCII, or Windows' own CP1258.
 * Nothing in a .txt file says which.  Every byte sequence decodes to
 * *something* in each of them, but only the right one turns the words back
 * into Vietnamese syllables, which is what vn_score_syllables() counts.
 *
 * CP1258 goes through ICU, VISCII and TCVN3 through glibc's iconv (ICU has
 * neither); VNI has no converter anywhere, so it has a table here.
 */
#include "legacy.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <utf8proc.h>

#include "letters.h"

/* ------------------------------------------------------------ VNI-Windows */

/* The byte that follows a vowel in VNI and the marks it stands for, lower
 * case (the upper-case form is the same byte minus 0x20, as in Latin-1):
 * aù á, aø à, aû ả, aõ ã, aï ạ; aâ â, aá ấ, aà ầ, aå ẩ, aã ẫ, aä ậ;
 * aê ă, aé ắ, aè ằ, aú ẳ, aü ẵ, aë ặ (the order of the VNI fonts' tables). */
static int vni_mark(unsigned char c, unsigned *quality, unsigned *tone)
{
    static const struct { unsigned char byte; uint8_t quality, tone; } marks[] = {
        {0xF9, Q_NONE, T_ACUTE},       {0xF8, Q_NONE, T_GRAVE},       {0xFB, Q_NONE, T_HOOK},
        {0xF5, Q_NONE, T_TILDE},       {0xEF, Q_NONE, T_DOT},         {0xE2, Q_CIRCUMFLEX, T_NONE},
        {0xE1, Q_CIRCUMFLEX, T_ACUTE}, {0xE0, Q_CIRCUMFLEX, T_GRAVE}, {0xE5, Q_CIRCUMFLEX, T_HOOK},
        {0xE3, Q_CIRCUMFLEX, T_TILDE}, {0xE4, Q_CIRCUMFLEX, T_DOT},   {0xEA, Q_BREVE, T_NONE},
        {0xE9, Q_BREVE, T_ACUTE},      {0xE8, Q_BREVE, T_GRAVE},      {0xFA, Q_BREVE, T_HOOK},
        {0xFC, Q_BREVE, T_TILDE},      {0xEB, Q_BREVE, T_DOT},
    };
    if (c >= 0xC0 && c < 0xE0)
        c = (unsigned char)(c + 0x20);
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (marks[i].byte == c) {
            *quality = marks[i].quality;
            *tone = marks[i].tone;
            return 1;
        }
    return 0;
}

/* Letters VNI writes as one byte: ơ ư đ and i, y with some tones. */
static int vni_letter(unsigned char c, unsigned *base, unsigned *quality, unsigned *tone, int *upper)
{
    static const struct { unsigned char byte; char base; uint8_t quality, tone; } letters[] = {
        {0xF4, 'o', Q_HORN, T_NONE},  {0xF6, 'u', Q_HORN, T_NONE}, {0xF1, 'd', Q_STROKE, T_NONE},
        {0xED, 'i', Q_NONE, T_ACUTE}, {0xEC, 'i', Q_NONE, T_GRAVE}, {0xE6, 'i', Q_NONE, T_HOOK},
        {0xF3, 'i', Q_NONE, T_TILDE}, {0xF2, 'i', Q_NONE, T_DOT},  {0xEE, 'y', Q_NONE, T_DOT},
    };
    *upper = c >= 0xC0 && c < 0xE0;
    unsigned char lower = *upper ? (unsigned char)(c + 0x20) : c;
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        if (letters[i].byte == lower) {
            *base = (unsigned char)letters[i].base;
            *quality = letters[i].quality;
            *tone = letters[i].tone;
            return 1;
        }
    return 0;
}

/* The rest of the VNI fonts is Windows-1252: curly quotes, dashes, bullets. */
static uint32_t cp1252(unsigned char c)
{
    static const uint16_t c1[32] = {
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    };
    return c >= 0x80 && c < 0xA0 ? c1[c - 0x80] : c;
}

static uint32_t compose_case(unsigned base, unsigned quality, unsigned tone, int upper)
{
    uint32_t cp = vn_letter_compose(base, quality, tone);
    if (cp && upper)
        cp = (uint32_t)utf8proc_toupper((utf8proc_int32_t)cp);
    return cp;
}

static int vni_to_utf8(const unsigned char *s, size_t len, char **out, size_t *out_len, size_t *invalid)
{
    char *dst = malloc(len * 3 + 1);
    if (!dst)
        return VN_ERR_NOMEM;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        unsigned base = 0, quality = Q_NONE, tone = T_NONE;
        int upper = 0;
        uint32_t cp = 0;
        if (strchr("aeouyAEOUY", c) && c)
            base = c | 0x20, upper = c < 'a';
        else if (c >= 0x80 && vni_letter(c, &base, &quality, &tone, &upper) && tone != T_NONE)
            base = 0; /* í ì ỉ ĩ ị ỵ take no further mark */
        unsigned q2 = Q_NONE, t2 = T_NONE;
        if (base && base != 'd' && i + 1 < len && vni_mark(s[i + 1], &q2, &t2) &&
            (q2 == Q_NONE || (quality == Q_NONE && (q2 == Q_BREVE ? base == 'a' : strchr("aeo", (int)base) != NULL))))
            cp = compose_case(base, quality | q2, t2, upper);
        if (cp) {
            i++;
        } else if (c >= 0x80 && vni_letter(c, &base, &quality, &tone, &upper)) {
            cp = compose_case(base, quality, tone, upper);
        } else {
            cp = cp1252(c);
            if (cp == 0xFFFD)
                (*invalid)++;
        }
        o += (size_t)vn_utf8_encode(cp, dst + o);
    }
    *out = dst;
    *out_len = o;
    return VN_OK;
}

/* ----------------------------------------------- CP1258 (ICU), iconv ones */

static int icu_legacy(const char *src, size_t len, char **out, size_t *out_len)
{
    if (len > INT32_MAX / 4)
        return VN_ERR_ENCODING;
    UErrorCode err = U_ZERO_ERROR;
    int32_t cap = (int32_t)(len * 3 + 16);
    char *dst = malloc((size_t)cap);
    if (!dst)
        return VN_ERR_NOMEM;
    int32_t n = ucnv_convert("UTF-8", "windows-1258", dst, cap, src, (int32_t)len, &err);
    if (U_FAILURE(err)) {
        free(dst);
        return VN_ERR_ENCODING;
    }
    *out = dst;
    *out_len = (size_t)n;
    return VN_OK;
}

/* glibc's TCVN5712-1 is TCVN 5712:1993 VN1, of which TCVN3 (VN3, the ABC
 * fonts) is the subset in use; its decoder also composes base + tone. */
static int iconv_legacy(const char *from, const char *src, size_t len, char **out, size_t *out_len,
                        size_t *invalid)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return VN_ERR_ENCODING;
    size_t cap = len * 4 + 16;
    char *dst = malloc(cap);
    if (!dst) {
        iconv_close(cd);
        return VN_ERR_NOMEM;
    }
    char *in = (char *)src, *o = dst;
    size_t in_left = len, out_left = cap;
    int rc = VN_OK;
    while (in_left > 0) {
        if (iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1)
            break;
        if (errno == EILSEQ || errno == EINVAL) { /* a byte it does not define: U+FFFD, go on */
            if (out_left < 3) {
                rc = VN_ERR_ENCODING;
                break;
            }
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            out_left -= 3;
            in++;
            in_left--;
            (*invalid)++;
            continue;
        }
        rc = VN_ERR_ENCODING; /* E2BIG cannot happen with 4 bytes out per byte in */
        break;
    }
    if (rc == VN_OK) /* flush a base letter still waiting for a tone */
        iconv(cd, NULL, NULL, &o, &out_left);
    iconv_close(cd);
    if (rc) {
        free(dst);
        return rc;
    }
    *out = dst;
    *out_len = (size_t)(o - dst);
    return VN_OK;
}

int vn_legacy_to_utf8(vn_encoding enc, const char *src, size_t len, char **out, size_t *out_len,
                      size_t *invalid)
{
    char *raw = NULL;
    size_t raw_len = 0;
    int rc;
    *out = NULL;
    *out_len = 0;
    vn_letters_ensure();
    switch (enc) {
    case VN_ENC_CP1258: rc = icu_legacy(src, len, &raw, &raw_len); break;
    case VN_ENC_VISCII: rc = iconv_legacy("VISCII", src, len, &raw, &raw_len, invalid); break;
    case VN_ENC_TCVN3: rc = iconv_legacy("TCVN5712-1", src, len, &raw, &raw_len, invalid); break;
    case VN_ENC_VNI: rc = vni_to_utf8((const unsigned char *)src, len, &raw, &raw_len, invalid); break;
    default: return VN_ERR_INVALID;
    }
    if (rc)
        return rc;
    if (raw_len == 0) {
        *out = raw;
        return VN_OK;
    }
    /* CP1258 writes tones as combining marks after the letter: compose, so
     * the text reads (and is shown) as it would have been typed today. */
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)raw, (utf8proc_ssize_t)raw_len, &nfc,
                                      (utf8proc_option_t)(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
    if (n < 0) { /* not expected: the converters write valid UTF-8; keep it as it is */
        *out = raw;
        *out_len = raw_len;
        return VN_OK;
    }
    free(raw);
    *out = (char *)nfc;
    *out_len = (size_t)n;
    return VN_OK;
}

/* ------------------------------------------------------------- scoring */

typedef struct syl_slot {
    uint8_t base, quality, tone;
} syl_slot;

#define SYL_MAX 8 /* nghiêng has 7 letters */

static int syl_vowel(unsigned b)
{
    return b == 'a' || b == 'e' || b == 'i' || b == 'o' || b == 'u' || b == 'y';
}

static int slots_are(const syl_slot *s, size_t n, const char *letters)
{
    if (strlen(letters) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].base != (unsigned char)letters[i])
            return 0;
    return 1;
}

/* One Vietnamese syllable: onset, one to three vowels, coda; marks only on
 * vowels (and đ); at most one tone, and only sắc or nặng before c, ch, p, t. */
static int syllable_valid(const syl_slot *s, size_t n)
{
    static const char *const onsets[] = {"", "b", "c", "ch", "d", "g", "gh", "h", "k", "kh", "l", "m", "n",
                                         "ng", "ngh", "nh", "p", "ph", "q", "r", "s", "t", "th", "tr", "v", "x"};
    static const char *const codas[] = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"};
    size_t i = 0, tones = 0;
    unsigned tone = T_NONE;
    for (size_t k = 0; k < n; k++)
        if (s[k].tone) {
            tones++;
            tone = s[k].tone;
        }
    if (n == 0 || tones > 1)
        return 0;
    while (i < n && !syl_vowel(s[i].base)) {
        if (s[i].tone || (s[i].quality && !(s[i].base == 'd' && s[i].quality == Q_STROKE)))
            return 0;
        i++;
    }
    int onset_ok = 0;
    for (size_t k = 0; k < sizeof onsets / sizeof onsets[0] && !onset_ok; k++)
        onset_ok = slots_are(s, i, onsets[k]) || (i == 1 && s[0].quality == Q_STROKE);
    if (!onset_ok)
        return 0;
    size_t v = i;
    while (i < n && syl_vowel(s[i].base)) {
        unsigned b = s[i].base, q = s[i].quality;
        if ((q == Q_CIRCUMFLEX && !strchr("aeo", (int)b)) || (q == Q_BREVE && b != 'a') ||
            (q == Q_HORN && b != 'o' && b != 'u') || q == Q_STROKE)
            return 0;
        i++;
    }
    if (i == v || i - v > 3)
        return 0;
    for (size_t k = i; k < n; k++)
        if (s[k].quality || s[k].tone)
            return 0;
    int coda_ok = 0;
    for (size_t k = 0; k < sizeof codas / sizeof codas[0] && !coda_ok; k++)
        coda_ok = slots_are(s + i, n - i, codas[k]);
    if (!coda_ok)
        return 0;
    int stop = n > i && (s[i].base == 'c' || s[i].base == 'p' || s[i].base == 't');
    return !stop || tone == T_ACUTE || tone == T_DOT;
}

/* Characters that end a word for scoring: ASCII other than letters,
 * spaces and punctuation of any script. */
static int word_break(uint32_t cp)
{
    if (cp < 0x80)
        return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000)
        return 1;
    return 0;
}

static int is_letter_or_mark(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
           c == UTF8PROC_CATEGORY_LO || c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_MN ||
           c == UTF8PROC_CATEGORY_MC;
}

static void score_word(const uint32_t *w, size_t n, vn_syllable_score *sc)
{
    size_t a = 0, b = n;
    while (a < b && !is_letter_or_mark(w[a]))
        a++;
    while (b > a && !is_letter_or_mark(w[b - 1]))
        b--;
    int wide = 0;
    for (size_t k = a; k < b; k++)
        wide |= w[k] >= 0x80;
    if (!wide)
        return;
    syl_slot s[SYL_MAX];
    size_t ns = 0;
    for (size_t k = a; k < b; k++) {
        unsigned q = 0, t = 0;
        if (vn_combining_mark(w[k], &q, &t)) {
            if (ns == 0 || (q && s[ns - 1].quality) || (t && s[ns - 1].tone)) {
                sc->bad++;
                return;
            }
            s[ns - 1].quality = (uint8_t)(s[ns - 1].quality | q);
            s[ns - 1].tone = (uint8_t)(s[ns - 1].tone | t);
            continue;
        }
        const vn_letter *l = vn_letter_of(w[k]);
        if (!l->base || ns == SYL_MAX) {
            sc->bad++;
            return;
        }
        s[ns++] = (syl_slot){l->base, l->quality, l->tone};
    }
    if (syllable_valid(s, ns))
        sc->good++;
    else
        sc->bad++;
}

void vn_score_syllables(const char *utf8, size_t len, vn_syllable_score *score)
{
    memset(score, 0, sizeof *score);
    vn_letters_ensure();
    const unsigned char *p = (const unsigned char *)utf8;
    uint32_t word[24];
    size_t n = 0, overflow = 0;
    for (size_t i = 0; i <= len;) {
        uint32_t cp = ' ';
        int k = 1;
        if (i < len) {
            k = vn_utf8_decode(p + i, len - i, &cp);
            if (k == 0) {
                cp = 0xFFFD;
                k = 1;
            }
        }
        i += (size_t)k;
        if (cp == 0xFFFD || (cp >= 0x80 && cp < 0xA0))
            score->bad++; /* undecodable bytes and C1 controls are never text */
        if (i > len || word_break(cp)) {
            if (n && !overflow)
                score_word(word, n, score);
            n = overflow = 0;
            if (i > len)
                break;
            continue;
        }
        if (n < sizeof word / sizeof word[0])
            word[n++] = cp;
        else
            overflow = 1; /* too long to be a syllable: not counted either way */
    }
}
