/* Where ovctl finds the services: the environment first, then the
 * stack's stack.env (KEY=VALUE lines written by scripts/stack.sh). */
#ifndef OVCTL_ENV_H
#define OVCTL_ENV_H

/* Loads FILE (or $OV_RUN_DIR/stack.env, or run/stack.env) if present.
 * Returns 0, or -1 when an explicitly named file cannot be read. */
int ovctl_env_load(const char *file);
/* The value of KEY from the environment, else the file, else NULL. */
const char *ovctl_env(const char *key);

#endif
