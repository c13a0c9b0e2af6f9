#ifndef ADMIN_HANDLERS_H
#define ADMIN_HANDLERS_H

#include "bus.h"

extern const struct ov_bus_method admin_methods[];
extern const size_t admin_n_methods;

#endif
