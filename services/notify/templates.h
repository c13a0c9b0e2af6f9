/* The mail templates, embedded at build time from templates/ by
 * scripts/embed-dir.py (build/gen/notify_templates.c). */
#ifndef NOTIFY_TEMPLATES_H
#define NOTIFY_TEMPLATES_H

#include <stddef.h>

/* As scripts/embed-dir.py declares it. */
struct ov_embedded_file {
	const char *name;
	const char *data; /* NUL-terminated */
	size_t len;
};

extern const struct ov_embedded_file notify_templates[];
extern const size_t notify_templates_n;

/* The template file called name ("user_activation.it.txt"), or NULL. */
const struct ov_embedded_file *notify_template(const char *name);

#endif
