/* main.c - the hvdb command line: find the subcommand and run it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hvdb/hvdb.h>

#include "commands.h"

/* True when the subcommand's arguments ask for help (before any "--"). */
static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* Output that never reached stdout (full disk, closed pipe) is a failure. */
static int finish(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "hvdb: writing output: %s\n", strerror(errno));
		return status ? status : CLI_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		commands_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		commands_usage(stdout);
		return finish(CLI_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hvdb %s\n", HVDB_VERSION_STRING);
		return finish(CLI_EXIT_OK);
	}
	cmd = commands_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "hvdb: unknown %s '%s'\n",
			argv[1][0] == '-' ? "option" : "command", argv[1]);
		commands_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (wants_help(argc - 1, argv + 1)) {
		commands_help(cmd, stdout);
		return finish(CLI_EXIT_OK);
	}
	return finish(cmd->fn(argc - 1, argv + 1));
}
