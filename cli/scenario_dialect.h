/* scenario_dialect.h - the scenario lines of the client dialects (SPEC
 * §7.3): `ioeventfd`, `whp-register`, `whp-unregister`, and the named
 * eventfds they share. Internal to the scenario library. */
#ifndef HVDB_CLI_SCENARIO_DIALECT_H
#define HVDB_CLI_SCENARIO_DIALECT_H

#include "scenario_args.h"

extern const struct scenario_arg scenario_ioeventfd_args[];
extern const struct scenario_arg scenario_whp_register_args[];
extern const struct scenario_arg scenario_whp_unregister_args[];
#define SCENARIO_IOEVENTFD_NARGS 9
#define SCENARIO_WHP_REGISTER_NARGS 8
#define SCENARIO_WHP_UNREGISTER_NARGS 7

const char *scenario_ioeventfd_check(struct scenario_cmd *cmd);
const char *scenario_whp_check(struct scenario_cmd *cmd);
int scenario_ioeventfd_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			    char *text);
int scenario_whp_register_exec(struct scenario *sc,
			       const struct scenario_cmd *cmd, char *text);
int scenario_whp_unregister_exec(struct scenario *sc,
				 const struct scenario_cmd *cmd, char *text);

/* The rows of the verb table in scenario.c. */
#define SCENARIO_DIALECT_VERBS                                       \
	[SCENARIO_IOEVENTFD] = { "ioeventfd",                        \
				 scenario_ioeventfd_args,            \
				 SCENARIO_IOEVENTFD_NARGS,           \
				 NULL,                               \
				 scenario_ioeventfd_check,           \
				 scenario_ioeventfd_exec },          \
	[SCENARIO_WHP_REGISTER] = { "whp-register",                  \
				    scenario_whp_register_args,      \
				    SCENARIO_WHP_REGISTER_NARGS,     \
				    NULL,                            \
				    scenario_whp_check,              \
				    scenario_whp_register_exec },    \
	[SCENARIO_WHP_UNREGISTER] = { "whp-unregister",              \
				      scenario_whp_unregister_args,  \
				      SCENARIO_WHP_UNREGISTER_NARGS, \
				      NULL,                          \
				      scenario_whp_check,            \
				      scenario_whp_unregister_exec },

/* A `snapshot FILE` was written: remember which eventfd name each of its
 * eventfd groups was, so a `restore FILE` gives the names back. 0 or
 * -ENOMEM. */
int scenario_dialect_saved(struct scenario *sc, const char *path);
/* A `restore FILE` is about to build its hypervisor. */
void scenario_dialect_restoring(struct scenario *sc, const char *path);
/* The restore hook (struct hvdb_snapshot_restore_ops): the name the
 * registration's eventfd had when FILE was saved now names its restored
 * eventfd. 0 or -errno. */
int scenario_dialect_restored(void *opaque, struct hvdb *hv,
			      const struct hvdb_doorbell_desc *d);
/* Closes the run's eventfds. */
void scenario_dialect_finish(struct scenario *sc);

#endif
