/* commands.h - the hvdb subcommands: one {name, fn, help} table. */
#ifndef HVDB_CLI_COMMANDS_H
#define HVDB_CLI_COMMANDS_H

#include <stdio.h>

/* Exit statuses every subcommand uses. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1	 /* decode: invalid input; others: runtime failure */
#define CLI_EXIT_USAGE 2 /* unknown option, bad argument, malformed line */

/* Every subcommand: X(name, help). Adding one is one line here plus its
 * cli/cmd_<name>.c defining cmd_<name>(). The first help line is the
 * synopsis after "hvdb "; the rest is shown by `hvdb NAME --help`. */
/* The help text is laid out by hand. */
/* clang-format off */
#define COMMANDS_LIST(X)                                                      \
	X(run, "run [--vcpus N] [--queues Q] [--writes W]\n"                \
	       "    [--offload-policy all|none|adaptive] [--no-offload]\n"     \
	       "    [--offload-limit N] [--notify suppress|always]\n"          \
	       "    [--ram-doorbells] [--guest-connects]\n"                    \
	       "    [--json] [--debug] [--script FILE]\n"                      \
	       "Boot the built-in guest on KVM: each vCPU produces W messages\n" \
	       "into Q rings and rings a ring's doorbell when its consumer\n"  \
	       "sleeps; host threads poll the rings, then wait on the ports'\n" \
	       "eventfds. Exit 0 only if every message arrived and every\n"    \
	       "doorbell write was delivered once; 3 when /dev/kvm is\n"       \
	       "missing. --script runs a scenario (as replay) with each guest\n" \
	       "partition a VM and each write a guest store.\n"                \
	       "  --vcpus N           vCPUs (default 2)\n"                       \
	       "  --queues Q          rings and doorbells (default 4)\n"         \
	       "  --writes W          messages per vCPU (default 20000)\n"       \
	       "  --offload-policy P  all, none or adaptive (default): which\n"  \
	       "                      doorbells KVM ioeventfds catch\n"          \
	       "  --no-offload        --offload-policy none\n"                   \
	       "  --offload-limit N   offload at most N connections to KVM\n"    \
	       "  --notify M          suppress (default: ring only for a\n"      \
	       "                      sleeping consumer) or always\n"            \
	       "  --ram-doorbells     doorbells inside guest RAM pages\n"        \
	       "  --guest-connects    the guest connects through hypercalls\n"   \
	       "  --json              one JSON object instead of a summary\n"   \
	       "  --debug             log the VMM's decisions on stderr\n"      \
	       "  --script FILE       run scenario FILE (- for stdin) on KVM\n") \
	X(decode, "decode [--json] [--ioeventfd|--whp] HEX\n"                 \
		  "Decode the 32 bytes of an HV_CONNECTION_INFO, given as 64\n" \
		  "hex digits in memory order: fields, flag meaning and the\n"  \
		  "problems found without a partition. Exit 0 valid, 1 not,\n"  \
		  "2 unusable input.\n"                                         \
		  "  --json       one JSON object instead of text\n"           \
		  "  --ioeventfd  HEX is a struct mshv_user_ioeventfd (64\n"   \
		  "               digits): its MSHV_IOEVENTFD problems and the\n" \
		  "               HV_CONNECTION_INFO it becomes\n"             \
		  "  --whp        HEX is a WHV_DOORBELL_MATCH_DATA (48 digits)\n" \
		  "               with WHP's problems, the same way\n")        \
	X(encode, "encode --gpa G [--value V] [--size SIZE] [--any-value]\n"  \
		  "Print an HV_CONNECTION_INFO (PortType 4) as 64 hex digits\n" \
		  "in memory order. Values are encoded as given, unchecked;\n"  \
		  "`hvdb decode` checks them.\n"                                \
		  "  --gpa G        GuestPhysicalAddress (decimal or 0x hex)\n" \
		  "  --value V      TriggerValue (default 0)\n"                 \
		  "  --size SIZE    any|byte|word|dword|qword (default any)\n"  \
		  "  --any-value    set HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE\n")  \
	X(replay, "replay FILE|-\n"                                           \
		  "Run a scenario (SPEC §6) from FILE or standard input and\n"  \
		  "print one line per command. Exit 2 at a malformed line.\n")  \
	X(bench, "bench [--quick] [--json] [--sections LIST]\n"             \
		 "Run the benchmarks (memory, match, threads, churn, kvm,\n"   \
		 "scale, notify) and print medians and goals as a table or\n"  \
		 "one JSON object.\n"                                          \
		 "  --quick          fewer, shorter trials: about 30 s\n"      \
		 "  --json           one JSON object instead of the table\n"   \
		 "  --sections LIST  only these sections (comma-separated)\n")
/* clang-format on */

struct cli_command {
	const char *name;
	/* argv[0] is the command name; returns the exit status. */
	int (*fn)(int argc, char **argv);
	const char *help;
};

#define COMMANDS_DECLARE_(name, help) int cmd_##name(int argc, char **argv);
COMMANDS_LIST(COMMANDS_DECLARE_)
#undef COMMANDS_DECLARE_

/* The command called (name), or NULL. */
const struct cli_command *commands_find(const char *name);
/* `hvdb --help`: the synopsis of every command. */
void commands_usage(FILE *f);
/* `hvdb NAME --help`: the whole help of (cmd). */
void commands_help(const struct cli_command *cmd, FILE *f);
/* Prints "hvdb: NAME: <message>" and the usage line of command (name) to
 * stderr; returns CLI_EXIT_USAGE. */
int commands_usage_error(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The usage error for what getopt_long() returned as (c), '?' or ':' (the
 * optstring starts with ':'), about argv[optind - 1]. */
int commands_option_error(const char *name, int c, char **argv);

#endif
