/* commands.c - the table of hvdb subcommands and their help. */
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "commands.h"

#define COMMANDS_ROW_(name, help) { #name, cmd_##name, help },
static const struct cli_command commands[] = { COMMANDS_LIST(COMMANDS_ROW_) };
#undef COMMANDS_ROW_

#define COMMANDS_COUNT (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *commands_find(const char *name)
{
	for (size_t i = 0; i < COMMANDS_COUNT; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The first line of a help text: the synopsis. */
static int synopsis_len(const char *help)
{
	return (int)strcspn(help, "\n");
}

/* " ..." when the synopsis goes on over indented lines, which a one-line
 * listing leaves out: the reader should know there is more. */
static const char *synopsis_more(const char *help)
{
	const char *end = help + synopsis_len(help);

	return end[0] == '\n' && end[1] == ' ' ? " ..." : "";
}

void commands_usage(FILE *f)
{
	fprintf(f, "usage: hvdb --help | --version | COMMAND [ARGS]\n"
		   "commands (hvdb COMMAND --help for more):\n");
	for (size_t i = 0; i < COMMANDS_COUNT; i++)
		fprintf(f, "  hvdb %.*s%s\n", synopsis_len(commands[i].help),
			commands[i].help, synopsis_more(commands[i].help));
}

void commands_help(const struct cli_command *cmd, FILE *f)
{
	fprintf(f, "usage: hvdb %s", cmd->help);
}

int commands_usage_error(const char *name, const char *fmt, ...)
{
	const struct cli_command *cmd = commands_find(name);
	va_list ap;

	fprintf(stderr, "hvdb: %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd)
		fprintf(stderr, "usage: hvdb %.*s%s\n", synopsis_len(cmd->help),
			cmd->help, synopsis_more(cmd->help));
	return CLI_EXIT_USAGE;
}

int commands_option_error(const char *name, int c, char **argv)
{
	/* getopt_long has just stepped over the offending argument. */
	const char *opt = argv[optind - 1];

	if (c == ':')
		return commands_usage_error(name, "option '%s' needs a value",
					    opt);
	return commands_usage_error(name, "unknown option '%s'", opt);
}
