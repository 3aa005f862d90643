/*
 * The letter table behind letters.h, built once from utf8proc's decomposition
 * data rather than typed in: 134 Vietnamese letters in two cases are easy to
 * get subtly wrong by hand, and Unicode already knows them.
 */
#include "letters.h"

#include <pthread.h>
#include <utf8proc.h>

static vn_letter letter_table[VN_TABLE_LIMIT];
static uint32_t compose_table[26][Q_COUNT][T_COUNT];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

int vn_combining_mark(uint32_t cp, unsigned *quality, unsigned *tone)
{
    switch (cp) {
    case 0x0302: *quality = Q_CIRCUMFLEX; return 1;
    case 0x0306: *quality = Q_BREVE; return 1;
    case 0x031B: *quality = Q_HORN; return 1;
    case 0x0300: case 0x0340: *tone = T_GRAVE; return 1;
    case 0x0301: case 0x0341: *tone = T_ACUTE; return 1;
    case 0x0309: *tone = T_HOOK; return 1;
    case 0x0303: *tone = T_TILDE; return 1;
    case 0x0323: *tone = T_DOT; return 1;
    default: return 0;
    }
}

/* Fills letter_table[cp] if cp decomposes into one ASCII letter plus at most
 * one quality mark and one tone mark. */
static void classify(uint32_t cp)
{
    utf8proc_int32_t parts[8];
    int boundclass = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)cp, parts, 8,
                                                 UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD, &boundclass);
    if (n < 1 || n > 3)
        return;
    utf8proc_int32_t base = parts[0];
    if (base >= 'A' && base <= 'Z')
        base += 'a' - 'A';
    if (base < 'a' || base > 'z')
        return;
    unsigned quality = Q_NONE, tone = T_NONE;
    for (utf8proc_ssize_t i = 1; i < n; i++) {
        unsigned q = Q_NONE, t = T_NONE;
        if (!vn_combining_mark((uint32_t)parts[i], &q, &t))
            return;
        if ((q && quality) || (t && tone))
            return;
        quality |= q;
        tone |= t;
    }
    letter_table[cp] = (vn_letter){(uint8_t)base, (uint8_t)quality, (uint8_t)tone};
    /* Only a lower-case letter whose canonical decomposition starts with the
     * base itself composes back: U+017F LONG S case-folds to s, but must not
     * stand in for it. */
    utf8proc_int32_t canon[8];
    n = utf8proc_decompose_char((utf8proc_int32_t)cp, canon, 8, UTF8PROC_DECOMPOSE, &boundclass);
    if (n >= 1 && canon[0] == base && utf8proc_tolower((utf8proc_int32_t)cp) == (utf8proc_int32_t)cp)
        compose_table[base - 'a'][quality][tone] = cp;
}

static void build_tables(void)
{
    for (uint32_t cp = 'A'; cp < VN_TABLE_LIMIT; cp++)
        classify(cp);
    /* đ has no decomposition in Unicode, which is why no standard
     * strip-marks folds it: it is d with a stroke here. */
    letter_table[0x0110] = (vn_letter){'d', Q_STROKE, T_NONE};
    letter_table[0x0111] = (vn_letter){'d', Q_STROKE, T_NONE};
    compose_table['d' - 'a'][Q_STROKE][T_NONE] = 0x0111;
}

const vn_letter *vn_letter_of(uint32_t cp)
{
    static const vn_letter none = {0, 0, 0};
    if (cp >= VN_TABLE_LIMIT)
        return &none;
    pthread_once(&table_once, build_tables);
    return &letter_table[cp];
}

uint32_t vn_letter_compose(unsigned base, unsigned quality, unsigned tone)
{
    if (base < 'a' || base > 'z' || quality >= Q_COUNT || tone >= T_COUNT)
        return 0;
    pthread_once(&table_once, build_tables);
    return compose_table[base - 'a'][quality][tone];
}

int vn_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)n > len)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

int vn_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
