#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARS 128

static struct {
	char *key;
	char *val;
} vars[MAX_VARS];
static size_t n_vars;

static void add(const char *line)
{
	const char *eq = strchr(line, '=');

	if (!eq || eq == line || n_vars == MAX_VARS)
		return;
	char *k = strndup(line, (size_t)(eq - line));
	char *v = strdup(eq + 1);
	if (!k || !v) {
		free(k);
		free(v);
		return;
	}
	v[strcspn(v, "\r\n")] = '\0';
	vars[n_vars].key = k;
	vars[n_vars].val = v;
	n_vars++;
}

int ovctl_env_load(const char *file)
{
	char path[4096];
	char line[4096];
	const char *run = getenv("OV_RUN_DIR");
	FILE *f;

	if (file)
		snprintf(path, sizeof(path), "%s", file);
	else if (run)
		snprintf(path, sizeof(path), "%s/stack.env", run);
	else
		snprintf(path, sizeof(path), "run/stack.env");
	f = fopen(path, "r");
	if (!f)
		return file ? -1 : 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#')
			add(line);
	fclose(f);
	return 0;
}

const char *ovctl_env(const char *key)
{
	const char *v = getenv(key);

	if (v && *v)
		return v;
	for (size_t i = 0; i < n_vars; i++)
		if (strcmp(vars[i].key, key) == 0)
			return vars[i].val;
	return NULL;
}
