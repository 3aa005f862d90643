/*
 * vntext: Vietnamese text for search.
 *
 * Three jobs, all pure C (utf8proc for Unicode properties, ICU for legacy
 * and UTF-16 input), with no knowledge of Xapian:
 *
 *   - keys:      the exact key and the folded key of one word;
 *   - tokeniser: a UTF-8 buffer -> tokens with byte offsets, positions and
 *                both keys;
 *   - decoding:  arbitrary bytes from a file -> valid UTF-8 with LF line ends.
 *
 * Errors are negative integers (vn_status); vn_errmsg() turns one into text,
 * after utf8proc.  Every function is thread-safe; a tokeniser object must
 * not be shared between threads without locking.
 */
#ifndef VNTEXT_H
#define VNTEXT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vn_status {
    VN_OK = 0,
    VN_ERR_NOMEM = -1,     /* allocation failed */
    VN_ERR_OVERFLOW = -2,  /* output buffer too small */
    VN_ERR_INVALID = -3,   /* invalid argument (NULL buffer, ...) */
    VN_ERR_BINARY = -4,    /* input is not text (vn_decode) */
    VN_ERR_ENCODING = -5   /* ICU could not convert the input (vn_decode) */
} vn_status;

/* A static English message for a vn_status; never NULL. */
const char *vn_errmsg(int status);

/* Longest key vn_exact_key()/vn_folded_key() produce for a token that came
 * from the tokeniser: tokens are cut at VN_TOKEN_MAX_BYTES of input, and one
 * input byte yields at most three output bytes. */
#define VN_TOKEN_MAX_BYTES 64
#define VN_KEY_MAX (3 * VN_TOKEN_MAX_BYTES * 8 + 16)

/*
 * The exact key of a word: NFC, case-folded, and, for a word that is one
 * Vietnamese syllable with exactly one tone mark, the tone mark moved to its
 * classic position (hoà -> hòa, thuỷ -> thủy, qúy -> quý, tưụ -> tựu).
 * A word with two or more tone marks, or one that is not a single syllable,
 * keeps its marks where they are.  Invalid UTF-8 becomes U+FFFD.
 *
 * Writes at most `cap` bytes to `out` (not NUL-terminated) and returns the
 * key's length, or VN_ERR_OVERFLOW if it does not fit.
 */
long vn_exact_key(const char *word, size_t len, char *out, size_t cap);

/* The folded key: the exact key with every mark removed and đ -> d. */
long vn_folded_key(const char *word, size_t len, char *out, size_t cap);

/* Both at once (cheaper than two calls). Either output may be NULL. */
int vn_keys(const char *word, size_t len, char *exact, size_t exact_cap, size_t *exact_len,
            char *folded, size_t folded_cap, size_t *folded_len);

/* 1 if the UTF-8 word carries any mark (tone, vowel quality or đ), else 0.
 * A query word typed without marks matches every accented form. */
int vn_has_marks(const char *word, size_t len);

/* ---------------------------------------------------------------- tokens */

typedef enum vn_token_kind {
    VN_TOKEN_WORD = 0,   /* letters, possibly with digits inside (H5N1, QIPs) */
    VN_TOKEN_NUMBER = 1, /* 2019, 153,6, 10.47, 27/11/2019, 2024-2026 */
    /* Alternative tokens share the position of the token before them:  */
    VN_TOKEN_JOINED = 2, /* Cam-pu-chia -> campuchia, before its parts */
    VN_TOKEN_NUMPART = 3 /* 27/11/2019 -> 27, 11, 2019, after the number */
} vn_token_kind;

typedef struct vn_token {
    const char *exact; /* exact key; valid until the next vn_tokenizer_next() */
    size_t exact_len;
    const char *folded; /* folded key; same lifetime */
    size_t folded_len;
    size_t start, end;  /* bytes [start, end) of the buffer that the token covers */
    uint32_t pos;       /* term position; alternatives repeat their anchor's */
    vn_token_kind kind;
} vn_token;

typedef struct vn_tokenizer vn_tokenizer;

vn_tokenizer *vn_tokenizer_new(void);
void vn_tokenizer_free(vn_tokenizer *tok);

/* Start on a new buffer, which must stay alive while tokens are read.
 * Positions start at `first_pos`.  Invalid UTF-8 bytes separate tokens. */
void vn_tokenizer_reset(vn_tokenizer *tok, const char *buf, size_t len, uint32_t first_pos);

/* 1 and *out filled, 0 at the end of the buffer. */
int vn_tokenizer_next(vn_tokenizer *tok, vn_token *out);

/* 1 if two tokens whose bytes end at `a` and start at `b` follow each
 * other within a sentence: nothing but spaces between them, or one hyphen
 * or underscore with no space (vắc-xin = vắc xin, TÙY_CHỌN = tùy chọn).  Punctuation, dashes and spaced
 * hyphens part them.  Index and query pair syllables by this rule. */
int vn_glued(const char *text, size_t a, size_t b);

/* 1 if two tokens whose bytes end at `a` and start at `b` follow each
 * other within a paragraph: whatever punctuation stands between them
 * (commas, dashes, brackets, quotes, slashes, guillemets, full stops), as
 * positional engines ignore it; only a blank line parts them.  What the
 * index pairs and what a phrase or the in-order tier asks for (vn_glued
 * still says which two syllables typed may make one word). */
int vn_adjacent(const char *text, size_t a, size_t b);

/* The position the next main token would get: one past the last one. */
uint32_t vn_tokenizer_next_pos(const vn_tokenizer *tok);

/* ------------------------------------------------------------ decoding */

typedef enum vn_encoding {
    VN_ENC_UTF8 = 0,
    VN_ENC_UTF8_BOM,
    VN_ENC_UTF16LE,
    VN_ENC_UTF16BE,
    /* The 8-bit encodings of older Vietnamese files, told apart by which one
     * decodes the most words into Vietnamese syllables: */
    VN_ENC_CP1258, /* Windows-1258 (tones as combining marks) */
    VN_ENC_VISCII, /* VISCII (RFC 1456) */
    VN_ENC_TCVN3,  /* TCVN 5712:1993 VN3, the ABC fonts (.VnTime) */
    VN_ENC_VNI     /* VNI-Windows, the VNI fonts (VNI-Times): a letter, then a byte for its marks */
} vn_encoding;

typedef struct vn_decode_report {
    vn_encoding encoding;
    int uncertain;          /* 8-bit input whose encoding could not be told with confidence: too few
                               Vietnamese words, or `runner_up` read almost as well */
    vn_encoding runner_up;  /* the next best 8-bit reading (when `encoding` was chosen by score) */
    size_t syllables;       /* Vietnamese syllables with marks read in the scored sample */
    size_t invalid_bytes;   /* bytes replaced by U+FFFD (UTF-16, legacy: sequences that could not be converted) */
    size_t first_invalid_line; /* 1-based line of the first one, 0 if none */
    size_t first_invalid_col;  /* 1-based byte column of the first one */
    size_t nul_bytes;       /* NUL bytes replaced by spaces */
    size_t first_nul_line;
    int crlf;               /* 1 if CR or CRLF line ends were converted */
} vn_decode_report;

/*
 * Turns the bytes of a file into valid UTF-8 with LF line ends: a UTF-8 BOM
 * is dropped, UTF-16 (with or without BOM) is converted with ICU, NUL becomes
 * a space, CRLF and lone CR become LF.  Pure ASCII and valid UTF-8 stay as
 * they are.  Text with bytes that are not valid UTF-8 is decoded as UTF-8,
 * CP1258, TCVN3, VNI-Windows and VISCII in turn (on its first 64 KiB), and
 * read in the one that yields the most Vietnamese syllables (see
 * vn_decode_report.uncertain); legacy text comes out in NFC.  In text read
 * as UTF-8, invalid sequences (overlong forms, surrogates, stray bytes)
 * become U+FFFD.
 *
 * On success returns VN_OK and a malloc'd buffer in *out (caller frees),
 * NUL-terminated, its length in *out_len.  Returns VN_ERR_BINARY for data
 * that is not text (executables, images, archives), leaving *out NULL.
 */
int vn_decode(const char *bytes, size_t len, char **out, size_t *out_len, vn_decode_report *report);

const char *vn_encoding_name(vn_encoding enc);

/* The length of the longest prefix of s[0..len) that is UTF-8 text: valid
 * sequences only (no overlong form, surrogate, truncated sequence or code
 * point past U+10FFFF) and no NUL.  Returns len when all of it is; else the
 * offset of the first offending byte, for a message that names it.  For
 * input that must be refused rather than repaired (queries, batch lines). */
size_t vn_utf8_text_prefix(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* VNTEXT_H */
