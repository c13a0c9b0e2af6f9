#ifndef ROUTER_HANDLERS_H
#define ROUTER_HANDLERS_H

#include "svc.h"

extern const struct ov_bus_method router_methods[];
extern const size_t router_n_methods;

enum ov_err router_health(struct ov_svc_rt *rt, uint8_t **buf, size_t *len);

#endif
