#ifndef ADMIN_HANDLERS_H
#define ADMIN_HANDLERS_H

#include "bus.h"

extern const struct ov_bus_method admin_methods[];
extern const size_t admin_n_methods;

/* calls.record (calls.c): the edge's call events. */
enum ov_err admin_calls_record(const struct ov_bus_req *req,
			       struct ov_bus_reply *rep, void *arg);

#endif
