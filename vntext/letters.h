/*
 * Private to vntext: every Latin letter a Vietnamese text can contain, split
 * into base letter, vowel-quality mark and tone mark, and put back together.
 *
 * Working on (base, quality, tone) triples instead of code points is what
 * lets the normaliser move a tone mark from one vowel to another without
 * caring whether the input was NFC, NFD or marks in an odd order.
 */
#ifndef VNTEXT_LETTERS_H
#define VNTEXT_LETTERS_H

#include <stddef.h>
#include <stdint.h>

enum vn_quality { Q_NONE = 0, Q_CIRCUMFLEX, Q_BREVE, Q_HORN, Q_STROKE /* đ */, Q_COUNT };
enum vn_tone { T_NONE = 0, T_GRAVE, T_ACUTE, T_HOOK, T_TILDE, T_DOT, T_COUNT };

/* Code points below this bound are looked up in the table; the Vietnamese
 * letters all sit in Latin-1, Latin Extended-A/B and Latin Extended Additional. */
#define VN_TABLE_LIMIT 0x1F00

typedef struct vn_letter {
    uint8_t base;    /* 'a'..'z' for a Latin letter (lower case), 0 if not one */
    uint8_t quality; /* enum vn_quality */
    uint8_t tone;    /* enum vn_tone */
    uint8_t upper;   /* 1 if the code point is the upper-case form */
} vn_letter;

/* The tables, built once from utf8proc's data by vn_letters_ensure(); the
 * accessors below assume it has been called (every public entry point of
 * vntext does), which keeps the per-character path free of any check. */
extern vn_letter vn_letter_table[VN_TABLE_LIMIT];
extern uint32_t vn_compose_table[26][Q_COUNT][T_COUNT];
void vn_letters_ensure(void);

/* The decomposition of a code point, case-folded.  base == 0 for anything
 * that is not a Latin letter with only Vietnamese marks. */
static inline const vn_letter *vn_letter_of(uint32_t cp)
{
    static const vn_letter none = {0, 0, 0, 0};
    return cp < VN_TABLE_LIMIT ? &vn_letter_table[cp] : &none;
}

/* The lower-case precomposed code point for (base, quality, tone), or 0 if
 * Unicode has none (for example 'b' with a circumflex). */
static inline uint32_t vn_letter_compose(unsigned base, unsigned quality, unsigned tone)
{
    if (base < 'a' || base > 'z' || quality >= Q_COUNT || tone >= T_COUNT)
        return 0;
    return vn_compose_table[base - 'a'][quality][tone];
}

/* A combining mark that Vietnamese uses: sets *quality or *tone and returns
 * 1, or returns 0 for any other code point. */
int vn_combining_mark(uint32_t cp, unsigned *quality, unsigned *tone);

/* Decodes one UTF-8 sequence at s[0..len).  Returns its length (1..4) and
 * the code point in *cp, or 0 for an invalid sequence (overlong, surrogate,
 * truncated, > U+10FFFF), in which case the caller skips one byte. */
static inline int vn_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
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

/* Encodes cp as UTF-8 into out (4 bytes available); returns the length. */
static inline int vn_utf8_encode(uint32_t cp, char *out)
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

#endif
