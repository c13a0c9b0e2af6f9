#include "templates.h"

#include <string.h>

const struct ov_embedded_file *notify_template(const char *name)
{
	for (size_t i = 0; i < notify_templates_n; i++)
		if (strcmp(notify_templates[i].name, name) == 0)
			return &notify_templates[i];
	return NULL;
}
