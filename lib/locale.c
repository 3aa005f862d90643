/*
 * The programs' messages in the user's language (see vnsearch.h,
 * vs_locale_init): gettext with the catalogues of po/.
 *
 * Only LC_MESSAGES follows the environment: numbers stay printed with a
 * point whatever the locale (JSON, TSV and TREC scores are read by
 * programs), and the translations come out in UTF-8 whatever LC_CTYPE says.
 */
#include "vnsearch.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>

#ifndef VNSEARCH_LOCALEDIR
#define VNSEARCH_LOCALEDIR "/usr/local/share/locale"
#endif

void vs_locale_init(void)
{
    setlocale(LC_MESSAGES, "");
    const char *dir = getenv("VNSEARCH_LOCALEDIR");
    bindtextdomain(VS_TEXTDOMAIN, dir && *dir ? dir : VNSEARCH_LOCALEDIR);
    bind_textdomain_codeset(VS_TEXTDOMAIN, "UTF-8");
    /* the C library's own messages too (strerror, getopt's), which our
     * messages quote: in the C LC_CTYPE they would come out as ASCII, a '?'
     * for each letter with a mark */
    bind_textdomain_codeset("libc", "UTF-8");
    textdomain(VS_TEXTDOMAIN);
}
