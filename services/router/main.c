/* ov-router: decides a plan for every new call. */
#include "handlers.h"
#include "svc.h"

int main(int argc, char **argv)
{
	const struct ov_svc svc = {
		.name = "router",
		.methods = router_methods,
		.n_methods = router_n_methods,
		.health = router_health,
	};
	return ov_svc_main(&svc, argc, argv);
}
