/* cmd_decode.c - `hvdb decode`: show an HV_CONNECTION_INFO and its problems.
 *
 * The library owns every rule and name; this file only prints them.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <hvdb/dialect.h>
#include <hvdb/hvdb.h>

#include "commands.h"
#include "decode.h"
#include "parse.h"

#define HEX_DIGITS (2 * sizeof(HV_CONNECTION_INFO))

json_t *decode_hex_string(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

/* SPEC §6: one object; numbers as "0x..." strings, problems as names.
 * NULL when out of memory. */
json_t *decode_conninfo_json(const HV_CONNECTION_INFO *info,
			     const enum hvdb_reason *problems, size_t count)
{
	uint64_t flags = info->DoorbellConnectionInfo.Flags;
	json_t *obj = json_object();

	if (!obj ||
	    json_object_set_new(obj, "port_type",
				decode_hex_string(info->PortType)) ||
	    json_object_set_new(obj, "padding",
				decode_hex_string(info->Padding)) ||
	    json_object_set_new(
		    obj, "gpa",
		    decode_hex_string(info->DoorbellConnectionInfo
					      .GuestPhysicalAddress)) ||
	    json_object_set_new(
		    obj, "trigger_value",
		    decode_hex_string(
			    info->DoorbellConnectionInfo.TriggerValue)) ||
	    json_object_set_new(obj, "flags", decode_hex_string(flags)) ||
	    json_object_set_new(obj, "trigger_size",
				json_string(hvdb_trigger_size_name(flags))) ||
	    json_object_set_new(
		    obj, "any_value",
		    json_boolean(flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE)) ||
	    decode_set_problems(obj, problems, count)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

int decode_set_problems(json_t *obj, const enum hvdb_reason *problems,
			size_t count)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < count; i++)
		if (json_array_append_new(
			    list, json_string(hvdb_reason_name(problems[i])))) {
			json_decref(list);
			return -1;
		}
	if (!list ||
	    json_object_set_new(obj, "valid", json_boolean(count == 0))) {
		json_decref(list);
		return -1;
	}
	return json_object_set_new(obj, "problems", list);
}

int decode_print_json(json_t *obj)
{
	int rc = obj ? json_dumpf(obj, stdout, JSON_INDENT(2)) : -1;

	if (rc == 0)
		putchar('\n');
	json_decref(obj);
	return rc;
}

int decode_print_conninfo_text(const HV_CONNECTION_INFO *info)
{
	char small[1024];
	char *buf = small;
	int n = hvdb_conninfo_describe(info, buf, sizeof(small));

	if (n >= (int)sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (!buf)
			return -1;
		n = hvdb_conninfo_describe(info, buf, (size_t)n + 1);
	}
	if (n >= 0)
		printf("%s%s", buf, n > 0 && buf[n - 1] == '\n' ? "" : "\n");
	if (buf != small)
		free(buf);
	return n < 0 ? -1 : 0;
}

int cmd_decode(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "ioeventfd", no_argument, NULL, 'i' },
		{ "whp", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	enum hvdb_dialect dialect = 0;
	enum hvdb_reason problems[HVDB_REASON_MAX];
	uint8_t bytes[sizeof(HV_CONNECTION_INFO)];
	HV_CONNECTION_INFO info;
	bool json = false;
	size_t count;
	const char *hex;
	int c;

	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if ((c == 'i' || c == 'w') && !dialect)
			dialect = c == 'i' ? HVDB_DIALECT_IOEVENTFD
					   : HVDB_DIALECT_WHP;
		else if (c == 'i' || c == 'w')
			return commands_usage_error(
				argv[0], "--ioeventfd and --whp exclude "
					 "each other");
		else
			return commands_option_error(argv[0], c, argv);
	}
	if (optind != argc - 1)
		return commands_usage_error(
			argv[0], "%s",
			optind == argc ? "missing HEX" : "too many arguments");
	hex = argv[optind];
	if (dialect)
		return decode_dialect(argv[0], dialect, hex, json);
	if (strlen(hex) != HEX_DIGITS)
		return commands_usage_error(
			argv[0], "HEX must be %zu hex digits, got %zu",
			HEX_DIGITS, strlen(hex));
	if (parse_hex_bytes(hex, HEX_DIGITS, bytes))
		return commands_usage_error(argv[0], "HEX has a non-hex digit");
	if (hvdb_conninfo_decode(bytes, sizeof(bytes), &info))
		return commands_usage_error(argv[0], "cannot decode HEX");
	count = hvdb_conninfo_problems(&info, problems, HVDB_REASON_MAX);
	if (count > HVDB_REASON_MAX)
		count = HVDB_REASON_MAX;
	if ((json ? decode_print_json(
			    decode_conninfo_json(&info, problems, count))
		  : decode_print_conninfo_text(&info))) {
		fprintf(stderr, "hvdb: decode: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	return count ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
