/* cmd_bench.c - `hvdb bench`: run the benchmarks of bench/ and print them. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "commands.h"

int cmd_bench(int argc, char **argv)
{
	static const struct option options[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "sections", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_config cfg = { .progress = stderr };
	struct bench_results *res;
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (c) {
		case 'q':
			cfg.quick = true;
			break;
		case 'j':
			json = true;
			break;
		case 's':
			cfg.sections = optarg;
			break;
		default:
			return commands_option_error(argv[0], c, argv);
		}
	}
	if (optind != argc)
		return commands_usage_error(argv[0], "extra argument '%s'",
					    argv[optind]);
	res = calloc(1, sizeof(*res));
	if (!res)
		return CLI_EXIT_FAIL;
	ret = bench_run(&cfg, res);
	if (!ret) {
		if (json)
			bench_report_json(res, stdout);
		else
			bench_report_table(res, stdout);
	}
	free(res);
	return ret ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
