/*
 * Private to vntext: the 8-bit Vietnamese encodings of the 1990s and 2000s
 * (CP1258, VISCII, TCVN3, VNI-Windows) decoded to UTF-8, and the score that
 * tells them apart: how many words of a decoding are Vietnamese syllables.
 */
#ifndef VNTEXT_LEGACY_H
#define VNTEXT_LEGACY_H

#include <stddef.h>

#include "vntext.h"

/* Decodes `len` bytes in `enc` (VN_ENC_CP1258, VN_ENC_VISCII, VN_ENC_TCVN3 or
 * VN_ENC_VNI) into a malloc'd UTF-8 buffer, NFC, not NUL-terminated.  Bytes
 * the encoding does not define become U+FFFD and are counted in *invalid.
 * Returns VN_OK, VN_ERR_NOMEM or VN_ERR_ENCODING (no converter). */
int vn_legacy_to_utf8(vn_encoding enc, const char *src, size_t len, char **out, size_t *out_len,
                      size_t *invalid);

/* How Vietnamese a UTF-8 text looks: among its words that hold a letter
 * outside ASCII, `good` parse as one Vietnamese syllable (onset, at most
 * three vowels, coda, at most one tone mark, marks only where Vietnamese
 * puts them) and `bad` do not (stray symbols inside a word, letters of other
 * languages, two tone marks, U+FFFD). */
typedef struct vn_syllable_score {
    size_t good, bad;
} vn_syllable_score;

void vn_score_syllables(const char *utf8, size_t len, vn_syllable_score *score);

#endif
