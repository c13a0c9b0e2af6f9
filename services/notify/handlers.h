#ifndef NOTIFY_HANDLERS_H
#define NOTIFY_HANDLERS_H

#include "bus.h"

extern const struct ov_bus_method notify_methods[];
extern const size_t notify_n_methods;

#endif
