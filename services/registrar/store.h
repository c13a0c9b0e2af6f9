/* Every SQL statement of the registrar, prepared on each connection.
 * Handlers run them by name through ov_db_exec(). */
#ifndef REGISTRAR_STORE_H
#define REGISTRAR_STORE_H

#include <stddef.h>

#include "db.h"

extern const struct ov_db_stmt registrar_stmts[];
extern const size_t registrar_n_stmts;

/* Columns of one binding in a result (registrar_binding_row). */
#define REGISTRAR_BINDING_NCOLS 9

#endif
