/*
 * vnsearch serve: the search page and a JSON API over HTTP, for a team of
 * analysts on one machine or a small network.  Built on libmicrohttpd; the
 * searching is the engine of search.h, one engine per busy server thread.
 *
 *   GET /                 the search page (self-contained: HTML, CSS, JS)
 *   GET /api/search       ?q=&framework=&from=&to=&exact=&n=&offset=
 *                         -> out_json_object(): hits (as --format json),
 *                            facets, accent restorations
 *   GET /api/frameworks   the framework codes and names of the index
 *
 * Bad parameters get a 400 with {"error": "..."}; anything but GET or HEAD
 * a 405.
 */
#ifndef VS_SERVE_H
#define VS_SERVE_H

/* Parses the options (argv[0] is "serve"), serves until SIGINT or SIGTERM,
 * and returns the exit status: 0 after a clean stop, 2 on a bad option, a
 * database that cannot be opened, or an address that cannot be listened on. */
int serve_main(int argc, char **argv);

#endif
