/*
 * The letter table behind letters.h, built once from utf8proc's decomposition
 * data rather than typed in: 134 Vietnamese letters in two cases are easy to
 * get subtly wrong by hand, and Unicode already knows them.
 */
#include "letters.h"

#include <pthread.h>
#include <utf8proc.h>

vn_letter vn_letter_table[VN_TABLE_LIMIT];
uint32_t vn_compose_table[26][Q_COUNT][T_COUNT];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static int tables_ready; /* read without the once-lock on the fast path */

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
    vn_letter_table[cp] = (vn_letter){(uint8_t)base, (uint8_t)quality, (uint8_t)tone,
                                      utf8proc_tolower((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp};
    /* Only a lower-case letter whose canonical decomposition starts with the
     * base itself composes back: U+017F LONG S case-folds to s, but must not
     * stand in for it. */
    utf8proc_int32_t canon[8];
    n = utf8proc_decompose_char((utf8proc_int32_t)cp, canon, 8, UTF8PROC_DECOMPOSE, &boundclass);
    if (n >= 1 && canon[0] == base && utf8proc_tolower((utf8proc_int32_t)cp) == (utf8proc_int32_t)cp)
        vn_compose_table[base - 'a'][quality][tone] = cp;
}

static void build_tables(void)
{
    for (uint32_t cp = 'A'; cp < VN_TABLE_LIMIT; cp++)
        classify(cp);
    /* đ has no decomposition in Unicode, which is why no standard
     * strip-marks folds it: it is d with a stroke here. */
    vn_letter_table[0x0110] = (vn_letter){'d', Q_STROKE, T_NONE, 1};
    vn_letter_table[0x0111] = (vn_letter){'d', Q_STROKE, T_NONE, 0};
    vn_compose_table['d' - 'a'][Q_STROKE][T_NONE] = 0x0111;
    __atomic_store_n(&tables_ready, 1, __ATOMIC_RELEASE);
}

void vn_letters_ensure(void)
{
    if (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE))
        pthread_once(&table_once, build_tables);
}

