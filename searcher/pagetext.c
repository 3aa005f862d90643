/*
 * pagetext (see pagetext.h): every string the search page shows, marked
 * for xgettext (po/POTFILES), so that po/vnsearch.pot has them and each
 * language's .po translates them; the page asks /api/strings?lang= for
 * them and shows its msgids (English) only for a language it was not given.
 * tests/check-po.py checks that every t("...") and data-i18n of the page is
 * in this list and that every language translates all of them.
 */
#include "pagetext.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define N_(s) s

const char *const page_languages[] = {"en", "vi"};
const size_t page_nlanguages = sizeof page_languages / sizeof page_languages[0];

static const char *const PAGE_STRINGS[] = {
    N_("Search the passages"),
    N_("Results"),
    N_("Search"),
    N_("Words typed with marks match only that spelling"),
    N_("Exact diacritics"),
    N_("Language"),
    N_("Query syntax"),
    N_("Words typed without marks match every accented form"),
    N_("\"a phrase\""),
    N_("-exclude"),
    N_("+require"),
    N_("a OR b"),
    N_("(grouping)"),
    N_("prefix*"),
    N_("(YYYY, YYYY-MM or YYYY-MM-DD)."),
    N_("Click a year bar to keep only that year; shift-click a second bar for a range."),
    N_("Filters"),
    N_("Frameworks"),
    N_("clear"),
    N_("Years"),
    N_("Passages per year"),
    N_("Sort"),
    N_("by relevance"),
    N_("newest first"),
    N_("Export"),
    N_("Try:"),
    N_("More passages"),
    N_("Close"),
    N_("Meetings"),
    N_("Every summit and ministerial meeting the dossiers name, with their sources"),
    N_("Framework"),
    N_("all"),
    N_("No meetings in the index."),
    N_("no date"),
    N_("1 conflict"),
    N_("{n} conflicts"),
    N_("Open this passage in its place"),
    N_("Earlier passages"),
    N_("Later passages"),
    N_("the server answered {status}"),
    N_("No passage matches."),
    N_("{shown} of {matches} matching passage"),
    N_("{shown} of {matches} matching passages"),
    N_("{shown} of about {matches} matching passages"),
    N_(" (the search took too long and was cut short: there may be more)"),
    N_("The first 1000 passages of this search as {format}"),
    N_("the date of the passage it continues, {id}"),
    N_("{file}, page {page}"),
    N_("{file}, under {where}"),
    N_("{file}, line {line}"),
    N_("{file}, lines {line}–{end}"),
    N_("{place}: show it in its place, with the passages around it"),
    N_("heading"),
    N_("OCR {n}%"),
    N_("Read from a scanned page by OCR, mean confidence {n}%: its words may be misread"),
    N_("other marks"),
    N_("some words"),
    N_("Similar"),
    N_("The passages that speak of what this one speaks of"),
    N_("Cite"),
    N_("Copy a citation: framework, dates, file, place and the passage"),
    N_("Open p. {page}"),
    N_("Open file"),
    N_("The PDF itself, at page {page}"),
    N_("The file itself, as it was indexed"),
    N_("Read"),
    N_("The whole document as a page, at this passage, its headings as a table of contents"),
    N_("Show the whole passage"),
    N_("Show the snippet"),
    N_(" (footnote of {id})"),
    N_("Also in: {list}"),
    N_("Also in: {list} and {n} more"),
    N_("Also in {n} more places"),
    N_("Copied"),
    N_("Copy failed"),
    N_("Did you mean"),
    N_("({n} passage with every word)"),
    N_("({n} passages with every word)"),
    N_("No passage has the word {words}."),
    N_("No passage has the words {words}."),
    N_("back to the search"),
    N_("Passages like {id}"),
    N_("Search for {form} instead of {typed}"),
    N_("Dates {from} to {to}"),
    N_("{year}: {n} passage"),
    N_("{year}: {n} passages"),
    N_("p. {page}"),
    N_("line {line}"),
    N_("lines {line}–{end}"),
    N_("{dates} (of the passage it continues)"),
    N_("Group by file"),
    N_("Each file once, at its best passage, with how many more of its passages match"),
    N_("+{n} more passage in this file"),
    N_("+{n} more passages in this file"),
    N_("{shown} of {matches} matching file"),
    N_("{shown} of {matches} matching files"),
    N_("{shown} of about {matches} matching files"),
    N_("More files"),
};

static char *saved(const char *s)
{
    return s ? strdup(s) : NULL;
}

void page_strings_json(strbuf *b, const char *lang)
{
    int english = !strcmp(lang, "en");
    char *language = saved(getenv("LANGUAGE")), *messages = saved(setlocale(LC_MESSAGES, NULL));
    if (!english) {
        /* gettext reads LANGUAGE unless LC_MESSAGES is "C" (C.UTF-8 is not) */
        setenv("LANGUAGE", lang, 1);
        if (!messages || !strcmp(messages, "C") || !strcmp(messages, "POSIX"))
            setlocale(LC_MESSAGES, "C.UTF-8");
    }
    sb_puts(b, "{\"lang\":");
    out_json_string(b, lang, strlen(lang));
    sb_puts(b, ",\"strings\":{");
    for (size_t i = 0; i < sizeof PAGE_STRINGS / sizeof PAGE_STRINGS[0]; i++) {
        const char *id = PAGE_STRINGS[i], *text = english ? id : dgettext(VS_TEXTDOMAIN, id);
        if (i)
            sb_putc(b, ',');
        out_json_string(b, id, strlen(id));
        sb_putc(b, ':');
        out_json_string(b, text, strlen(text));
    }
    sb_puts(b, "}}");
    if (!english) {
        if (language)
            setenv("LANGUAGE", language, 1);
        else
            unsetenv("LANGUAGE");
        setlocale(LC_MESSAGES, messages ? messages : "C");
    }
    free(language);
    free(messages);
}
