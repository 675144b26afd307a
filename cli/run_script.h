/* run_script.h - `hvdb run --script FILE`: a scenario with each guest
 * partition a KVM VM and each write a real guest store. */
#ifndef HVDB_CLI_RUN_SCRIPT_H
#define HVDB_CLI_RUN_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

struct run_script_config {
	const char *path; /* the scenario; "-" is standard input */
	bool offload;	  /* ioeventfds where KVM takes them */
	uint32_t offload_limit;
	bool debug;
};

/* Runs the scenario at (c->path) as `hvdb replay` would, printing the same
 * lines. Returns the exit status: that of replay, or 1 when the VMM
 * fails. */
int run_script(const struct run_script_config *c);

#endif
