/*
 * Logs: one JSON object per line on stderr.
 *
 *	ov_log_info("bus.listen", OV_LS("url", url), OV_LI("workers", n));
 *	ov_logc_warn(&ctx, "bus.decode_failed", OV_LI("bytes", len));
 *
 * Every line carries ts, level, svc, event, then tenant and request_id
 * when a context is given, then the fields. Never log a secret.
 */
#ifndef OV_LOG_H
#define OV_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum ov_log_level {
	OV_LOG_DEBUG,
	OV_LOG_INFO,
	OV_LOG_WARN,
	OV_LOG_ERROR
};

enum ov_log_type {
	OV_LOG_STR,
	OV_LOG_INT,
	OV_LOG_DBL,
	OV_LOG_BOOL
};

struct ov_log_field {
	const char *key;
	enum ov_log_type type;
	union {
		const char *s;
		long long i;
		double d;
		bool b;
	} v;
};

/* Who a line is about: both may be NULL or empty. */
struct ov_log_ctx {
	const char *tenant;
	const char *request_id;
};

#define OV_LS(k, x) ((struct ov_log_field){(k), OV_LOG_STR, {.s = (x)}})
#define OV_LI(k, x) ((struct ov_log_field){(k), OV_LOG_INT, {.i = (x)}})
#define OV_LD(k, x) ((struct ov_log_field){(k), OV_LOG_DBL, {.d = (x)}})
#define OV_LB(k, x) ((struct ov_log_field){(k), OV_LOG_BOOL, {.b = (x)}})

void ov_log_init(const char *svc, enum ov_log_level min);
bool ov_log_parse_level(const char *s, enum ov_log_level *out);
/* The same, writing "OV_LOG_LEVEL=... is not ..." into err on failure. */
bool ov_parse_level_or(const char *s, enum ov_log_level *out, char *err,
		       size_t errlen);

/* Formats one line (with the trailing newline) into buf; returns the
 * length it needed, like snprintf. Exposed for tests. */
size_t ov_log_format(char *buf, size_t size, long long ts_ms,
		     enum ov_log_level level, const char *svc,
		     const char *event, const struct ov_log_ctx *ctx,
		     const struct ov_log_field *fields, size_t n);

void ov_log_emit(enum ov_log_level level, const struct ov_log_ctx *ctx,
		 const char *event, const struct ov_log_field *fields,
		 size_t n);

/* The fields end with a sentinel, so a line may have none. */
#define OV_LEND OV_LI(NULL, 0)
#define OV_LOG_(level, ctx, event, ...)                                        \
	do {                                                                   \
		const struct ov_log_field ov_f_[] = {__VA_ARGS__};             \
		ov_log_emit((level), (ctx), (event), ov_f_,                    \
			    sizeof(ov_f_) / sizeof(ov_f_[0]) - 1);             \
	} while (0)

#define ov_log_debug(...) OV_LOG_(OV_LOG_DEBUG, NULL, __VA_ARGS__, OV_LEND)
#define ov_log_info(...) OV_LOG_(OV_LOG_INFO, NULL, __VA_ARGS__, OV_LEND)
#define ov_log_warn(...) OV_LOG_(OV_LOG_WARN, NULL, __VA_ARGS__, OV_LEND)
#define ov_log_error(...) OV_LOG_(OV_LOG_ERROR, NULL, __VA_ARGS__, OV_LEND)
#define ov_logc(level, c, ...) OV_LOG_(level, c, __VA_ARGS__, OV_LEND)
#define ov_logc_info(c, ...) OV_LOG_(OV_LOG_INFO, c, __VA_ARGS__, OV_LEND)
#define ov_logc_warn(c, ...) OV_LOG_(OV_LOG_WARN, c, __VA_ARGS__, OV_LEND)
#define ov_logc_error(c, ...) OV_LOG_(OV_LOG_ERROR, c, __VA_ARGS__, OV_LEND)

#endif
