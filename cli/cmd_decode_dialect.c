/* cmd_decode_dialect.c - `hvdb decode --ioeventfd HEX` and `hvdb decode
 * --whp HEX`: a struct mshv_user_ioeventfd (32 bytes) or a
 * WHV_DOORBELL_MATCH_DATA (24 bytes), its problems by the dialect's own
 * rules (SPEC §7.1, §7.2, without a process or a partition), and the
 * HV_CONNECTION_INFO it becomes. Exit 0 valid, 1 not, 2 unusable input.
 * The library owns every rule and name; this file only prints them.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "commands.h"
#include "decode.h"
#include "parse.h"

/* The decoded structure, either dialect. */
struct decoded {
	enum hvdb_dialect dialect;
	union {
		struct mshv_user_ioeventfd io;
		WHV_DOORBELL_MATCH_DATA whp;
	};
	enum hvdb_reason problems[HVDB_REASON_MAX];
	size_t count;
	bool has_info; /* it becomes an HV_CONNECTION_INFO */
	HV_CONNECTION_INFO info;
};

static size_t size_of(enum hvdb_dialect dialect)
{
	return dialect == HVDB_DIALECT_IOEVENTFD
		       ? sizeof(struct mshv_user_ioeventfd)
		       : sizeof(WHV_DOORBELL_MATCH_DATA);
}

static void check(struct decoded *d)
{
	if (d->dialect == HVDB_DIALECT_IOEVENTFD) {
		d->count = hvdb_ioeventfd_problems(&d->io, d->problems,
						   HVDB_REASON_MAX);
		d->has_info = hvdb_ioeventfd_conninfo(&d->io, &d->info);
	} else {
		d->count = hvdb_whp_problems(&d->whp, d->problems,
					     HVDB_REASON_MAX);
		d->has_info = hvdb_whp_conninfo(&d->whp, &d->info);
	}
	if (d->count > HVDB_REASON_MAX)
		d->count = HVDB_REASON_MAX;
}

static int set_u64(json_t *o, const char *key, uint64_t v)
{
	return json_object_set_new(o, key, decode_hex_string(v));
}

static json_t *to_json(const struct decoded *d)
{
	const struct mshv_user_ioeventfd *io = &d->io;
	const WHV_DOORBELL_MATCH_DATA *m = &d->whp;
	enum hvdb_reason conn_problems[HVDB_REASON_MAX];
	size_t conn_count = 0;
	json_t *o = json_object();
	uint32_t rsvd;
	int bad;

	if (!o)
		return NULL;
	if (d->dialect == HVDB_DIALECT_IOEVENTFD) {
		memcpy(&rsvd, io->rsvd, sizeof(rsvd));
		bad = json_object_set_new(o, "dialect",
					  json_string("ioeventfd")) ||
		      set_u64(o, "datamatch", io->datamatch) ||
		      set_u64(o, "addr", io->addr) ||
		      set_u64(o, "len", io->len) ||
		      json_object_set_new(o, "fd", json_integer(io->fd)) ||
		      set_u64(o, "flags", io->flags) ||
		      json_object_set_new(
			      o, "datamatch_flag",
			      json_boolean(io->flags &
					   MSHV_IOEVENTFD_FLAG_DATAMATCH)) ||
		      json_object_set_new(
			      o, "pio",
			      json_boolean(io->flags &
					   MSHV_IOEVENTFD_FLAG_PIO)) ||
		      json_object_set_new(
			      o, "deassign",
			      json_boolean(io->flags &
					   MSHV_IOEVENTFD_FLAG_DEASSIGN)) ||
		      set_u64(o, "rsvd", rsvd);
	} else {
		bad = json_object_set_new(o, "dialect", json_string("whp")) ||
		      set_u64(o, "guest_address", m->GuestAddress) ||
		      set_u64(o, "value", m->Value) ||
		      set_u64(o, "length", m->Length) ||
		      json_object_set_new(
			      o, "match_on_value",
			      json_boolean(m->MatchFlags &
					   WHV_DOORBELL_MATCH_ON_VALUE)) ||
		      json_object_set_new(
			      o, "match_on_length",
			      json_boolean(m->MatchFlags &
					   WHV_DOORBELL_MATCH_ON_LENGTH)) ||
		      set_u64(o, "reserved",
			      m->MatchFlags >>
				      WHV_DOORBELL_MATCH_RESERVED_SHIFT);
	}
	/* The connection object as plain decode shows it, its own
	 * problems (already in the dialect's list) included. */
	if (d->has_info)
		conn_count = hvdb_conninfo_problems(&d->info, conn_problems,
						    HVDB_REASON_MAX);
	bad = bad || decode_set_problems(o, d->problems, d->count) ||
	      json_object_set_new(
		      o, "connection_info",
		      d->has_info ? decode_conninfo_json(
					    &d->info, conn_problems, conn_count)
				  : json_null());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void print_flag(const char *name, bool set)
{
	printf(" %s%s", set ? "" : "!", name);
}

static int to_text(const struct decoded *d)
{
	const struct mshv_user_ioeventfd *io = &d->io;
	const WHV_DOORBELL_MATCH_DATA *m = &d->whp;
	uint8_t bytes[32];

	if (d->dialect == HVDB_DIALECT_IOEVENTFD) {
		printf("struct mshv_user_ioeventfd (MSHV_IOEVENTFD)\n");
		printf("datamatch:  0x%016" PRIx64 "\n", io->datamatch);
		printf("addr:       0x%016" PRIx64 "\n", io->addr);
		printf("len:        %" PRIu32 "%s\n", io->len,
		       io->len == 0 ? " (any length)" : "");
		printf("fd:         %" PRId32 "\n", io->fd);
		printf("flags:      0x%08" PRIx32 " =", io->flags);
		print_flag("DATAMATCH",
			   io->flags & MSHV_IOEVENTFD_FLAG_DATAMATCH);
		print_flag("PIO", io->flags & MSHV_IOEVENTFD_FLAG_PIO);
		print_flag("DEASSIGN",
			   io->flags & MSHV_IOEVENTFD_FLAG_DEASSIGN);
		printf("\nrsvd:       %02x %02x %02x %02x\n", io->rsvd[0],
		       io->rsvd[1], io->rsvd[2], io->rsvd[3]);
	} else {
		printf("WHV_DOORBELL_MATCH_DATA "
		       "(WHvRegisterPartitionDoorbellEvent)\n");
		printf("GuestAddress:  0x%016" PRIx64 "\n", m->GuestAddress);
		printf("Value:         0x%016" PRIx64 "\n", m->Value);
		printf("Length:        %" PRIu32 "\n", m->Length);
		printf("MatchOnValue:  %d\n",
		       !!(m->MatchFlags & WHV_DOORBELL_MATCH_ON_VALUE));
		printf("MatchOnLength: %d\n",
		       !!(m->MatchFlags & WHV_DOORBELL_MATCH_ON_LENGTH));
		printf("Reserved:      0x%08" PRIx32 "\n",
		       m->MatchFlags >> WHV_DOORBELL_MATCH_RESERVED_SHIFT);
	}
	if (d->count == 0)
		printf("valid (as far as checks without a partition go)\n");
	for (size_t i = 0; i < d->count; i++)
		printf("problem: %s: %s\n", hvdb_reason_name(d->problems[i]),
		       hvdb_reason_message(d->problems[i]));
	if (!d->has_info) {
		printf("becomes no HV_CONNECTION_INFO (%s)\n",
		       d->dialect == HVDB_DIALECT_IOEVENTFD &&
				       (io->flags &
					MSHV_IOEVENTFD_FLAG_DEASSIGN)
			       ? "a deassign removes one"
			       : "no size for that length");
		return 0;
	}
	hvdb_conninfo_encode(&d->info, bytes);
	printf("becomes HV_CONNECTION_INFO ");
	for (size_t i = 0; i < sizeof(bytes); i++)
		printf("%02x", bytes[i]);
	printf(":\n");
	return decode_print_conninfo_text(&d->info);
}

int decode_dialect(const char *cmd, enum hvdb_dialect dialect, const char *hex,
		   bool json)
{
	const size_t size = size_of(dialect);
	struct decoded d = { .dialect = dialect };
	uint8_t bytes[32];

	if (strlen(hex) != 2 * size)
		return commands_usage_error(
			cmd, "HEX must be %zu hex digits for --%s, got %zu",
			2 * size,
			dialect == HVDB_DIALECT_IOEVENTFD ? "ioeventfd" : "whp",
			strlen(hex));
	if (parse_hex_bytes(hex, 2 * size, bytes))
		return commands_usage_error(cmd, "HEX has a non-hex digit");
	if (dialect == HVDB_DIALECT_IOEVENTFD)
		(void)hvdb_ioeventfd_decode(bytes, size, &d.io); /* sized */
	else
		(void)hvdb_whp_decode(bytes, size, &d.whp); /* sized */
	check(&d);
	if (json ? decode_print_json(to_json(&d)) : to_text(&d)) {
		fprintf(stderr, "hvdb: decode: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	return d.count ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
