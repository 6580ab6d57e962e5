/*
 * Showing flights and jobs on the terminal, as text or as JSON. The JSON
 * shapes are documented in doc/pvci.1 and are what scripts may rely on.
 */
#ifndef PVCI_SHOW_H
#define PVCI_SHOW_H

struct instance;

int show_flight(struct instance *inst, long flight, int json);
int show_job(struct instance *inst, long flight, const char *job, int json);
int show_flight_list(struct instance *inst, const char *branch, long limit, int json);
/* The few lines "flight run" ends with: outcome per job and where logs are. */
void show_flight_summary(struct instance *inst, long flight);

#endif
