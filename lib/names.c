/*
 * Names as the programs print them (vnsearch.h: vs_escape, vs_unescape,
 * vs_say).  A file name is bytes: it may hold a newline, an escape sequence
 * that clears a terminal, bytes that are not UTF-8.  Printed raw, such a
 * name forges log lines and breaks JSON; so every message and every output
 * writes names through here, by one rule that reads back (vs_unescape), so
 * that an id as printed can be given back to --like and /api/passage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnsearch.h"

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if the
 * byte there starts none (overlong forms, surrogates and code points past
 * U+10FFFF are not UTF-8). */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || n > len)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

void vs_escape(strbuf *b, const char *s, size_t len, unsigned flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0; /* start of the pending bytes that need no escape */
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        size_t n = utf8_seq(u + i, len - i);
        char buf[8];
        const char *esc = NULL;
        if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c == '\\' && (flags & VS_ESC_BACKSLASH))
            esc = "\\\\";
        else if (c < 0x20 || c == 0x7f || n == 0) {
            snprintf(buf, sizeof buf, "\\x%02x", c);
            esc = buf;
            n = 1;
        } else if (c == 0xC2 && u[i + 1] <= 0x9f) { /* C1 controls: a terminal acts on them too */
            snprintf(buf, sizeof buf, "\\u%04x", u[i + 1]);
            esc = buf;
        }
        if (esc) {
            sb_append(b, s + run, i - run);
            sb_puts(b, esc);
            run = i + n;
        }
        i += n;
    }
    sb_append(b, s + run, len - run);
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int hex_value(const char *s, int digits)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

int vs_unescape(const char *s, char **out)
{
    size_t len = strlen(s);
    char *o = malloc(len + 1);
    if (!(*out = o))
        return -1;
    size_t k = 0;
    int changed = 0;
    for (size_t i = 0; i < len; i++) {
        int v;
        if (s[i] != '\\' || i + 1 == len) {
            o[k++] = s[i];
            continue;
        }
        char e = s[i + 1];
        if (e == '\\' || e == 'n' || e == 'r' || e == 't') {
            o[k++] = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\\';
            i++;
        } else if (e == 'x' && (v = hex_value(s + i + 2, 2)) > 0) {
            o[k++] = (char)v;
            i += 3;
        } else if (e == 'u' && (v = hex_value(s + i + 2, 4)) >= 0x80 && v <= 0x9f) {
            o[k++] = (char)0xC2;
            o[k++] = (char)v;
            i += 5;
        } else {
            o[k++] = s[i];
            continue;
        }
        changed = 1;
    }
    o[k] = '\0';
    return changed;
}

void vs_vsay(FILE *f, const char *fmt, va_list ap)
{
    char stack[1024];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(stack, sizeof stack, fmt, ap);
    char *line = stack;
    if (n >= 0 && (size_t)n >= sizeof stack && (line = malloc((size_t)n + 1)) != NULL)
        vsnprintf(line, (size_t)n + 1, fmt, again);
    va_end(again);
    if (n < 0 || !line)
        return;
    size_t len = (size_t)n;
    int newline = len && line[len - 1] == '\n';
    strbuf b = STRBUF_INIT;
    vs_escape(&b, line, len - (size_t)newline, 0);
    if (newline)
        sb_putc(&b, '\n');
    if (!b.failed && b.len)
        fwrite(b.s, 1, b.len, f);
    else if (b.failed) /* no memory to escape it: say what can be said safely */
        fputs("(a message could not be shown: out of memory)\n", f);
    sb_free(&b);
    if (line != stack)
        free(line);
}

void vs_say(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vs_vsay(f, fmt, ap);
    va_end(ap);
}
