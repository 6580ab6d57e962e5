/*
 * The CLI's face of the runner's events (run/events.h): one progress line
 * per step start and end, job end and recovery cleanup, on stdout.
 */
#ifndef PVCI_PROGRESS_H
#define PVCI_PROGRESS_H

#include "events.h"

/* A listener that prints progress lines. */
extern const struct run_listener progress_listener;

#endif
