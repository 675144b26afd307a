/* cmd_replay.c - `hvdb replay FILE|-`: run a scenario through hvdb_write. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <hvdb/hvdb.h>

#include "commands.h"
#include "scenario.h"

int cmd_replay(int argc, char **argv)
{
	static const struct option options[] = { { NULL, 0, NULL, 0 } };
	struct scenario sc = { .ops = &scenario_default_ops };
	const char *path;
	FILE *in;
	int c, status;

	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return commands_option_error(argv[0], c, argv);
	if (optind != argc - 1)
		return commands_usage_error(
			argv[0], "%s",
			optind == argc ? "missing FILE" : "too many arguments");
	path = argv[optind];
	in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "hvdb: replay: %s: %s\n", path,
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	sc.hv = hvdb_create(NULL);
	if (!sc.hv) {
		fprintf(stderr, "hvdb: replay: out of memory\n");
		status = CLI_EXIT_FAIL;
	} else {
		status = scenario_run(&sc, in, stdout, stderr);
		hvdb_destroy(sc.hv);
	}
	if (in != stdin)
		fclose(in);
	return status;
}
