/* Placeholders until the guest stage lands; each says so. */
#include "step.h"
#include "steps.h"

#define GUEST_STUB(fn, what)						\
	enum step_status fn(struct step_ctx *ctx)			\
	{								\
		step_log(ctx, "the " what " step is not implemented yet"); \
		return STEP_BROKEN;					\
	}

GUEST_STUB(step_guest_start, "guest-start")
GUEST_STUB(step_driver_install, "driver-install")
GUEST_STUB(step_storage_stress, "storage-stress")
GUEST_STUB(step_network_stress, "network-stress")
GUEST_STUB(step_guest_reboot, "guest-reboot")
GUEST_STUB(step_guest_saverestore, "guest-saverestore")
GUEST_STUB(step_guest_stop, "guest-stop")
GUEST_STUB(step_guest_run, "guest-run")
GUEST_STUB(step_capture_logs, "capture-logs")
GUEST_STUB(step_cleanup, "cleanup")
