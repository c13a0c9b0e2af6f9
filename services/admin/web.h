/*
 * The web app "Telefono Virtuale" served at / from OV_WEB_DIR: which
 * URL paths may name a file, which file a path means, and how it is
 * labelled and cached. Pure; web.c does the reading.
 */
#ifndef ADMIN_WEB_H
#define ADMIN_WEB_H

#include <stdbool.h>
#include <stddef.h>

/* Longest URL path served; longer ones are refused. */
#define WEB_PATH_MAX 256
/* Largest file served; the app's bundle is far smaller. */
#define WEB_FILE_MAX (8u << 20)

/* True when path (already %-decoded, without the query) is one the app
 * may serve: starts with '/', at most WEB_PATH_MAX bytes, no "..", no
 * backslash, no control character, no empty or dot-leading segment
 * (no hidden files, no "//"). */
bool web_path_ok(const char *path);

/* The file (relative to the web dir, no leading '/') that path names:
 * a path whose last segment has a dot names that file; anything else is
 * an app route ("/", "/login", "/servizi/squillo") and names
 * "index.html". False when path is not web_path_ok or does not fit. */
bool web_file_of(const char *path, char *out, size_t size);

/* Content-Type by extension; application/octet-stream when unknown. */
const char *web_content_type(const char *file);

/* Cache-Control: hashed assets (under assets/) are immutable for a
 * year; everything else (index.html, sw.js, the manifest, icons) is
 * revalidated each time so a new build shows at once. */
const char *web_cache_control(const char *file);

/* Does an Accept-Encoding header value take gzip? ("gzip", "deflate,
 * gzip;q=0.8", "*"; not "gzip;q=0", not NULL.) */
bool web_accepts_gzip(const char *accept_encoding);

/* The Content-Security-Policy of the app's pages: everything from the
 * app's own origin only ('self'; images and audio also from blob: URLs
 * the app makes of photos and previews), no plugins, no <base>, no
 * framing; connect-src adds the origin of ws_url (the SIP edge's
 * WebSocket, another port or host) when it is not "". False when
 * ws_url is not ws:// or wss:// followed by a host (letters, digits,
 * '.', '-', ':', '[', ']') or when the policy does not fit. */
bool web_csp(const char *ws_url, char *out, size_t size);

#endif
