/*
 * The built web app (OV_WEB_DIR) at /: index.html for the app's routes,
 * static files with their type. Only regular files under the directory
 * are read (the resolved path must stay inside it), each at most
 * WEB_FILE_MAX bytes. /v1/ never reaches here (api.c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "log.h"
#include "web.h"

bool web_path_ok(const char *path)
{
	size_t n = strnlen(path, WEB_PATH_MAX + 1);

	if (n == 0 || n > WEB_PATH_MAX || path[0] != '/')
		return false;
	if (strstr(path, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			return false;
		/* A segment may not be empty (but "/" alone is the root)
		 * nor start with a dot. */
		if (c == '/' && i + 1 < n &&
		    (path[i + 1] == '/' || path[i + 1] == '.'))
			return false;
	}
	return true;
}

bool web_file_of(const char *path, char *out, size_t size)
{
	if (!web_path_ok(path))
		return false;
	const char *last = strrchr(path, '/') + 1;
	const char *file = strchr(last, '.') ? path + 1 : "index.html";
	int w = snprintf(out, size, "%s", file);
	return w > 0 && (size_t)w < size;
}

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".webmanifest", "application/manifest+json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
	{".map", "application/json"},
	{".woff2", "font/woff2"},
};

const char *web_content_type(const char *file)
{
	const char *dot = strrchr(file, '.');
	const char *slash = strrchr(file, '/');

	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

const char *web_cache_control(const char *file)
{
	if (strncmp(file, "assets/", 7) == 0)
		return "public, max-age=31536000, immutable";
	return "no-cache";
}

bool web_accepts_gzip(const char *ae)
{
	bool star = false;

	while (ae && *ae) {
		size_t n = strcspn(ae, ",");
		char tok[64];
		if (n < sizeof(tok)) {
			size_t o = 0;
			for (size_t i = 0; i < n; i++)
				if (ae[i] != ' ' && ae[i] != '\t')
					tok[o++] = (char)tolower(
						(unsigned char)ae[i]);
			tok[o] = '\0';
			char *q = strstr(tok, ";q=");
			bool zero = q && strtod(q + 3, NULL) <= 0.0;
			if (q)
				*q = '\0';
			if (strcmp(tok, "gzip") == 0)
				return !zero;
			if (strcmp(tok, "*") == 0)
				star = !zero;
		}
		ae += n;
		if (*ae == ',')
			ae++;
	}
	return star;
}

bool web_csp(const char *ws_url, char *out, size_t size)
{
	char origin[128] = "";
	size_t n = 0;

	if (ws_url && *ws_url) {
		size_t scheme = strncmp(ws_url, "ws://", 5) == 0    ? 5
				: strncmp(ws_url, "wss://", 6) == 0 ? 6
								    : 0;
		if (!scheme)
			return false;
		n = scheme + strcspn(ws_url + scheme, "/?#");
		if (n == scheme || n >= sizeof(origin))
			return false;
		for (size_t i = scheme; i < n; i++) {
			unsigned char c = (unsigned char)ws_url[i];
			if (!isalnum(c) && !strchr(".-:[]", c))
				return false;
		}
		memcpy(origin, ws_url, n);
		origin[n] = '\0';
	}
	int w = snprintf(out, size,
			 "default-src 'self'; script-src 'self'; "
			 "style-src 'self'; img-src 'self' blob:; "
			 "media-src 'self' blob:; connect-src 'self'%s%s; "
			 "worker-src 'self'; manifest-src 'self'; "
			 "object-src 'none'; base-uri 'none'; "
			 "form-action 'self'; frame-ancestors 'none'",
			 n ? " " : "", origin);
	return w > 0 && (size_t)w < size;
}

/* Reads dir/file into a malloc'd buffer when it is a regular file under
 * dir (symbolic links resolved) of at most WEB_FILE_MAX bytes. */
static char *read_under(const char *dir, const char *file, size_t *len)
{
	char want[PATH_MAX], real_dir[PATH_MAX], real[PATH_MAX];
	char *buf = NULL;
	struct stat st;
	int fd = -1;
	size_t got = 0;

	if (!realpath(dir, real_dir))
		return NULL;
	int w = snprintf(want, sizeof(want), "%s/%s", real_dir, file);
	if (w < 0 || (size_t)w >= sizeof(want) || !realpath(want, real))
		return NULL;
	size_t dn = strlen(real_dir);
	if (strncmp(real, real_dir, dn) != 0 || real[dn] != '/')
		return NULL;
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 0 || (unsigned long long)st.st_size > WEB_FILE_MAX)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

bool admin_web(const struct admin *app, const struct ov_http_request *req,
	       struct ov_http_response *res)
{
	char path[WEB_PATH_MAX + 1], file[WEB_PATH_MAX + 16];
	size_t len = 0;

	if (!*app->cfg.web_dir)
		return false;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return false;
	int w = snprintf(path, sizeof(path), "%s", req->path);
	if (w < 0 || (size_t)w >= sizeof(path))
		return false;
	path[strcspn(path, "?")] = '\0';
	if (!web_file_of(path, file, sizeof(file)))
		return false;
	/* The build leaves a gzip copy beside each text file: sent to
	 * browsers that take it (all do), the file itself to the others. */
	char *body = NULL;
	char gz[sizeof(file) + 3];
	if (web_accepts_gzip(ov_http_header(req, "Accept-Encoding")) &&
	    snprintf(gz, sizeof(gz), "%s.gz", file) < (int)sizeof(gz) &&
	    (body = read_under(app->cfg.web_dir, gz, &len)))
		res->content_encoding = "gzip";
	else if (!(body = read_under(app->cfg.web_dir, file, &len)))
		return false;
	ov_http_reply(res, 200, web_content_type(file), body, len);
	res->cache_control = web_cache_control(file);
	res->vary = "Accept-Encoding";
	res->csp = app->csp;
	return true;
}
