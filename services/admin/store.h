/* Every SQL statement of the admin service, prepared on each connection.
 * Handlers run them by name through ov_db_exec(). */
#ifndef ADMIN_STORE_H
#define ADMIN_STORE_H

#include <stddef.h>

#include "db.h"

extern const struct ov_db_stmt admin_stmts[];
extern const size_t admin_n_stmts;

#endif
