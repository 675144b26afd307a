/* cmd_encode.c - `hvdb encode`: build the 32 bytes of an HV_CONNECTION_INFO. */
#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include <hvdb/hvdb.h>

#include "commands.h"
#include "parse.h"

/* The size code whose library name is (name), or -1. */
static int size_code(const char *name)
{
	for (unsigned code = HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY;
	     code <= HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD; code++)
		if (!strcmp(hvdb_trigger_size_name(code), name))
			return (int)code;
	return -1;
}

#define BAD_NUMBER "%s '%s' is not a decimal or 0x hex number of 64 bits"

int cmd_encode(int argc, char **argv)
{
	static const struct option options[] = {
		{ "gpa", required_argument, NULL, 'g' },
		{ "value", required_argument, NULL, 'v' },
		{ "size", required_argument, NULL, 's' },
		{ "any-value", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	HV_CONNECTION_INFO info = { .PortType = HvPortTypeDoorbell };
	uint8_t bytes[sizeof(info)];
	bool have_gpa = false;
	int c, code;

	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (parse_u64(optarg, PARSE_DEC_OR_HEX,
				      &info.DoorbellConnectionInfo
					       .GuestPhysicalAddress))
				return commands_usage_error(argv[0], BAD_NUMBER,
							    "--gpa", optarg);
			have_gpa = true;
			break;
		case 'v':
			if (parse_u64(
				    optarg, PARSE_DEC_OR_HEX,
				    &info.DoorbellConnectionInfo.TriggerValue))
				return commands_usage_error(argv[0], BAD_NUMBER,
							    "--value", optarg);
			break;
		case 's':
			code = size_code(optarg);
			if (code < 0)
				return commands_usage_error(
					argv[0], "--size '%s' is not %s",
					optarg,
					"any, byte, word, dword or qword");
			info.DoorbellConnectionInfo.Flags &=
				~(uint64_t)HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK;
			info.DoorbellConnectionInfo.Flags |= (uint64_t)code;
			break;
		case 'a':
			info.DoorbellConnectionInfo.Flags |=
				HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
			break;
		default:
			return commands_option_error(argv[0], c, argv);
		}
	}
	if (optind != argc)
		return commands_usage_error(argv[0], "extra argument '%s'",
					    argv[optind]);
	if (!have_gpa)
		return commands_usage_error(argv[0], "missing --gpa");
	hvdb_conninfo_encode(&info, bytes);
	for (size_t i = 0; i < sizeof(bytes); i++)
		printf("%02x", bytes[i]);
	putchar('\n');
	return CLI_EXIT_OK;
}
