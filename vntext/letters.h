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
} vn_letter;

/* The decomposition of a code point below VN_TABLE_LIMIT, case-folded.
 * base == 0 for anything that is not a Latin letter with only Vietnamese marks. */
const vn_letter *vn_letter_of(uint32_t cp);

/* The lower-case precomposed code point for (base, quality, tone), or 0 if
 * Unicode has none (for example 'b' with a circumflex). */
uint32_t vn_letter_compose(unsigned base, unsigned quality, unsigned tone);

/* A combining mark that Vietnamese uses: sets *quality or *tone and returns
 * 1, or returns 0 for any other code point. */
int vn_combining_mark(uint32_t cp, unsigned *quality, unsigned *tone);

/* Decodes one UTF-8 sequence at s[0..len).  Returns its length (1..4) and
 * the code point in *cp, or 0 for an invalid sequence (overlong, surrogate,
 * truncated, > U+10FFFF), in which case the caller skips one byte. */
int vn_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encodes cp as UTF-8 into out (4 bytes available); returns the length. */
int vn_utf8_encode(uint32_t cp, char *out);

#endif
