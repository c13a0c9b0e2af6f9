#ifndef REGISTRAR_HANDLERS_H
#define REGISTRAR_HANDLERS_H

#include "bus.h"

extern const struct ov_bus_method registrar_methods[];
extern const size_t registrar_n_methods;

#endif
