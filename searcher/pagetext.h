/*
 * pagetext: the search page's strings in the analyst's language.
 */
#ifndef VN_PAGETEXT_H
#define VN_PAGETEXT_H

#include "vnsearch.h"

/* The languages the page speaks, "en" first (its strings are the msgids). */
extern const char *const page_languages[];
extern const size_t page_nlanguages;

/* Appends {"lang": LANG, "strings": {msgid: text, ...}}: every string of the
 * page (web/index.html's t("...") and data-i18n) in `lang`, from the
 * catalogue compiled from po/LANG.po.  Switches LANGUAGE and LC_MESSAGES for
 * the while: call it before any other thread runs (vnsearch serve builds
 * each language's answer once, at the start). */
void page_strings_json(strbuf *b, const char *lang);

#endif
