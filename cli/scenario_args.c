/* scenario_args.c - bind the tokens of a scenario line to its fields.
 *
 * Lines may hold any bytes (fuzzed, binary, megabytes long): tokens are cut
 * in place, never copied into fixed buffers, and quoted in messages only
 * through scenario_args_shown().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "scenario_args.h"

const char *scenario_args_fail(struct scenario_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd->error, sizeof(cmd->error), fmt, ap);
	va_end(ap);
	return cmd->error;
}

const char *scenario_args_shown(char buf[ARG_SHOWN_MAX], const char *tok)
{
	size_t i;

	for (i = 0; tok[i] && i < 32; i++)
		buf[i] = tok[i] >= 0x20 && tok[i] < 0x7f ? tok[i] : '?';
	strcpy(buf + i, tok[i] ? "..." : "");
	return buf;
}

static void store(void *dst, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	if (size == 1)
		memcpy(dst, &u8, 1);
	else if (size == 2)
		memcpy(dst, &u16, 2);
	else if (size == 4)
		memcpy(dst, &u32, 4);
	else
		memcpy(dst, &v, 8);
}

/* "PORT-ID 'x'" or "sint='x'": an argument as messages quote it. */
static const char *quoted(char out[ARG_QUOTED_MAX], const char *label,
			  const char *tok)
{
	char buf[ARG_SHOWN_MAX];
	bool key = label[strlen(label) - 1] == '=';

	snprintf(out, ARG_QUOTED_MAX, "%s%s'%s'", label, key ? "" : " ",
		 scenario_args_shown(buf, tok));
	return out;
}

/* (label) is "PORT-ID" or "sint=": how messages name the argument. */
static const char *bind_number(struct scenario_cmd *cmd, const char *label,
			       enum parse_radix radix, size_t bits,
			       const char *tok, uint64_t *v)
{
	char q[ARG_QUOTED_MAX];
	int rc = parse_u64(tok, radix, v);

	if (rc == -ERANGE)
		return scenario_args_fail(cmd, "%s does not fit 64 bits",
					  quoted(q, label, tok));
	if (rc)
		return scenario_args_fail(cmd, "%s is not a number",
					  quoted(q, label, tok));
	if (bits < 64 && *v >> bits)
		return scenario_args_fail(cmd, "%s does not fit %zu bits",
					  quoted(q, label, tok), bits);
	return NULL;
}

static const char *bind_range(struct scenario_cmd *cmd, const char *label,
			      char *tok, struct scenario_ranges *r)
{
	char q[ARG_QUOTED_MAX];
	char *plus = strchr(tok, '+');
	const char *err;

	if (!plus)
		return scenario_args_fail(cmd, "%s is not START+SIZE",
					  quoted(q, label, tok));
	if (r->count == SCENARIO_RAM_MAX)
		return scenario_args_fail(cmd,
					  "more than %d %s ranges (the most "
					  "one partition line may have)",
					  SCENARIO_RAM_MAX, label);
	*plus = '\0';
	err = bind_number(cmd, label, PARSE_DEC_OR_HEX, 64, tok,
			  &r->range[r->count].start);
	if (!err)
		err = bind_number(cmd, label, PARSE_DEC_OR_HEX, 64, plus + 1,
				  &r->range[r->count].size);
	if (!err)
		r->count++;
	return err;
}

static const char *bind(struct scenario_cmd *cmd, const struct scenario_arg *a,
			char *tok)
{
	char *dst = (char *)cmd + a->offset;
	char label[24];
	char q[ARG_QUOTED_MAX];
	const char *err;
	uint64_t v;

	snprintf(label, sizeof(label), "%s%s", a->name, a->key ? "=" : "");
	switch (a->kind) {
	case ARG_NUM:
	case ARG_HEX_NUM:
		err = bind_number(cmd, label,
				  a->kind == ARG_HEX_NUM ? PARSE_HEX
							 : PARSE_DEC_OR_HEX,
				  8 * a->size, tok, &v);
		if (!err)
			store(dst, a->size, v);
		return err;
	case ARG_BYTES: {
		struct scenario_bytes *b = (struct scenario_bytes *)dst;
		size_t n = strlen(tok);

		if (n % 2)
			return scenario_args_fail(
				cmd, "%s has an odd number of hex digits",
				label);
		/* Check before decoding in place, so the message can quote
		 * the token; the line outlives the command. */
		if (strspn(tok, "0123456789abcdefABCDEF") != n ||
		    parse_hex_bytes(tok, n, (uint8_t *)tok))
			return scenario_args_fail(cmd, "%s is not hex",
						  quoted(q, label, tok));
		b->data = (const uint8_t *)tok;
		b->len = n / 2;
		return NULL;
	}
	case ARG_RANGE:
		return bind_range(cmd, label, tok,
				  (struct scenario_ranges *)dst);
	case ARG_TEXT:
		memcpy(dst, &tok, sizeof(tok));
		return NULL;
	}
	return scenario_args_fail(cmd, "%s: unknown argument kind", label);
}

/* Lines from Windows editors end in "\r\n": \r is space too. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

char *scenario_args_next_token(char **cursor, char *end)
{
	char *p = *cursor;
	char *tok;

	while (p < end && is_space(*p))
		p++;
	if (p == end)
		return NULL;
	tok = p;
	while (p < end && !is_space(*p))
		p++;
	*p = '\0';
	*cursor = p < end ? p + 1 : p;
	return tok;
}

const char *scenario_args_bind(struct scenario_cmd *cmd, const char *verb,
			       const struct scenario_arg *args, size_t nargs,
			       char **cursor, char *end)
{
	bool seen[ARG_MAX] = { false };
	const char *err;
	char buf[ARG_SHOWN_MAX];
	char *tok;
	size_t i;

	if (nargs > ARG_MAX)
		return scenario_args_fail(cmd, "%s: too many argument specs",
					  verb);
	while ((tok = scenario_args_next_token(cursor, end))) {
		char *eq = strchr(tok, '=');
		const struct scenario_arg *a = NULL;

		if (eq)
			*eq = '\0';
		for (i = 0; i < nargs; i++) {
			a = &args[i];
			if (eq ? a->key && !strcmp(a->name, tok)
			       : !a->key && !seen[i])
				break;
		}
		if (i == nargs && eq)
			return scenario_args_fail(
				cmd, "unknown key '%s=' for %s",
				scenario_args_shown(buf, tok), verb);
		if (i == nargs)
			return scenario_args_fail(
				cmd, "extra argument '%s'",
				scenario_args_shown(buf, tok));
		if (seen[i] && a->kind != ARG_RANGE)
			return scenario_args_fail(cmd, "%s= given twice",
						  a->name);
		seen[i] = true;
		cmd->given |= 1u << i;
		err = bind(cmd, a, eq ? eq + 1 : tok);
		if (err)
			return err;
	}
	for (i = 0; i < nargs; i++)
		if (!seen[i] && (!args[i].key || args[i].required))
			return scenario_args_fail(cmd, "missing %s%s",
						  args[i].name,
						  args[i].key ? "=" : "");
	return NULL;
}
