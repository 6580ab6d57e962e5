/*
 * Every step function, one per file or family of files:
 *   step-run.c      run (a command from a runvar, on this machine)
 *   step-source.c   source
 *   step-build.c    build
 *   step-sign.c     sign
 *   step-guest-*.c  guest-start, driver-install, storage-stress,
 *                   network-stress, guest-reboot, guest-saverestore,
 *                   guest-stop, guest-run, capture-logs, cleanup
 * steps.c lists them in the one table the runner uses.
 */
#ifndef PVCI_STEPS_H
#define PVCI_STEPS_H

#include "step.h"

enum step_status step_run_command(struct step_ctx *ctx);
enum step_status step_source(struct step_ctx *ctx);
enum step_status step_build(struct step_ctx *ctx);
enum step_status step_sign(struct step_ctx *ctx);
enum step_status step_guest_start(struct step_ctx *ctx);
enum step_status step_driver_install(struct step_ctx *ctx);
enum step_status step_storage_stress(struct step_ctx *ctx);
enum step_status step_network_stress(struct step_ctx *ctx);
enum step_status step_guest_reboot(struct step_ctx *ctx);
enum step_status step_guest_saverestore(struct step_ctx *ctx);
enum step_status step_guest_stop(struct step_ctx *ctx);
enum step_status step_guest_run(struct step_ctx *ctx);
enum step_status step_capture_logs(struct step_ctx *ctx);
enum step_status step_cleanup(struct step_ctx *ctx);
/* step-xen-xenstore.c */
enum step_status step_xenstore_state(struct step_ctx *ctx);

#endif
