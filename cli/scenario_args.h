/* scenario_args.h - tokens of a scenario line bound to struct scenario_cmd.
 *
 * Internal to the scenario library: each command lists its arguments as specs
 * naming their destination field, and one binder fills them.
 */
#ifndef HVDB_CLI_SCENARIO_ARGS_H
#define HVDB_CLI_SCENARIO_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

enum scenario_arg_kind {
	ARG_NUM,     /* decimal or 0x hex, fitting the field */
	ARG_HEX_NUM, /* hex with or without 0x, fitting the field */
	ARG_BYTES,   /* even count of hex digits → struct scenario_bytes */
	ARG_RANGE,   /* START+SIZE, repeatable → struct scenario_ranges */
	ARG_TEXT,    /* the token itself → const char * (e.g. a FILE) */
};

struct scenario_arg {
	const char *name; /* "PORT-ID", or "sint" for sint= */
	bool key;	  /* key=value, else positional */
	bool required;	  /* for keys: positionals are always required */
	enum scenario_arg_kind kind;
	size_t offset; /* destination in struct scenario_cmd */
	size_t size;   /* its size in bytes: numbers must fit it */
};

#define ARG_FIELD(f) \
	offsetof(struct scenario_cmd, f), sizeof(((struct scenario_cmd *)0)->f)
/* A number in field (f) of struct scenario_cmd. */
#define ARG_POS(name, f)                                  \
	{                                                 \
		name, false, false, ARG_NUM, ARG_FIELD(f) \
	}
#define ARG_KEY(name, f)                                 \
	{                                                \
		name, true, false, ARG_NUM, ARG_FIELD(f) \
	}
/* The most arguments one command may list. */
#define ARG_MAX 16

/* One command of the table in scenario.c. */
struct verb {
	const char *name;
	const struct scenario_arg *args;
	size_t nargs;
	void (*defaults)(struct scenario_cmd *cmd); /* may be NULL */
	/* Checks across fields after binding; NULL or the error. */
	const char *(*check)(struct scenario_cmd *cmd);
	int (*exec)(struct scenario *sc, const struct scenario_cmd *cmd,
		    char *text);
};

/* Formats the malformed-line message into cmd->error and returns it. */
const char *scenario_args_fail(struct scenario_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* (tok) made safe to quote in a message, cut to 32 bytes with "..." and
 * every non-printable byte as '?': lines may hold any bytes. */
#define ARG_SHOWN_MAX 40
/* A label, a quoted shown token and a separator. */
#define ARG_QUOTED_MAX 72
const char *scenario_args_shown(char buf[ARG_SHOWN_MAX], const char *tok);

/* Next whitespace-separated token in [*cursor, end), NUL-terminated in
 * place (*end itself is writable), or NULL when none is left. */
char *scenario_args_next_token(char **cursor, char *end);

/* Binds every token left in [*cursor, end) to (args) of command (verb):
 * positionals in order, key=value by name, then checks that nothing
 * required is missing. Returns NULL or the message in cmd->error. */
const char *scenario_args_bind(struct scenario_cmd *cmd, const char *verb,
			       const struct scenario_arg *args, size_t nargs,
			       char **cursor, char *end);

#endif
