/* scenario.c - parse and run the scenario lines of SPEC §6.
 *
 * Each command is one row of a table: its argument specs (positional
 * arguments in order, then key= options, each naming its destination field
 * in struct scenario_cmd), an optional defaults and cross-check function,
 * and the function that runs it. One binder turns every token into its
 * field, so numbers and hex are parsed the same way everywhere.
 *
 * Decisions where SPEC §6 is silent:
 * - A number bound for a narrower field (port and connection ids, vps,
 *   gpa-bits, sint, vp, type, reserved, padding: 32 bits; the hypercall
 *   code: 16 bits) that does not fit is malformed ("does not fit 32 bits"),
 *   as a truncated id would silently name another object.
 * - privileges=HEX is read as hex, with or without 0x, as its name says.
 * - A key given twice is an extra argument (malformed), except ram=.
 * - A `partition` line the library refuses (id 0, vps=0, gpa-bits=99)
 *   prints its HV_STATUS line like the hypercall commands.
 * - `stats` of a partition other than the root names no port: unknown-port.
 * - `#` starts a comment anywhere; a NUL byte before it is malformed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hvdb/snapshot.h>

#include "lines.h"
#include "outfile.h"
#include "parse.h"
#include "scenario_args.h"
#include "scenario_dialect.h"

/* ---- the commands: defaults, checks, execution ---- */

/* The HV_STATUS line of SPEC §6: "ok" or "HV_STATUS_<NAME> <reason>". */
static int status_line(char *text, HV_STATUS status, enum hvdb_reason reason)
{
	const char *name = hvdb_status_name(status);

	if (status == HV_STATUS_SUCCESS)
		snprintf(text, SCENARIO_TEXT_MAX, "ok");
	else if (name)
		snprintf(text, SCENARIO_TEXT_MAX, "%s %s", name,
			 hvdb_reason_name(reason));
	else
		snprintf(text, SCENARIO_TEXT_MAX, "HV_STATUS_0x%04x %s",
			 (unsigned)status, hvdb_reason_name(reason));
	return 0;
}

static int malformed(char *text, const char *what, uint64_t id)
{
	snprintf(text, SCENARIO_TEXT_MAX, "partition %" PRIu64 " %s", id, what);
	return SCENARIO_MALFORMED;
}

static void partition_defaults(struct scenario_cmd *cmd)
{
	hvdb_partition_config_init(&cmd->partition.config, 0);
}

static int partition_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			  char *text)
{
	struct hvdb_partition_config config = cmd->partition.config;
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS status;
	int rc;

	if (hvdb_partition_exists(sc->hv, config.id))
		return malformed(text, "already exists", config.id);
	config.ram = cmd->partition.ram.range;
	config.ram_count = cmd->partition.ram.count;
	status = hvdb_partition_create(sc->hv, &config, &reason);
	if (status == HV_STATUS_SUCCESS && sc->ops->partition_created) {
		rc = sc->ops->partition_created(sc->opaque, sc->hv, &config);
		if (rc < 0) {
			snprintf(text, SCENARIO_TEXT_MAX,
				 "setting up partition %" PRIu64, config.id);
			return rc;
		}
	}
	return status_line(text, status, reason);
}

static void port_defaults(struct scenario_cmd *cmd)
{
	cmd->port.in.PortInfo.PortType = HvPortTypeDoorbell;
	cmd->port.in.PortInfo.DoorbellPortInfo.TargetSint =
		HV_SYNIC_DOORBELL_SINT_INDEX;
}

static int port_exec(struct scenario *sc, const struct scenario_cmd *cmd,
		     char *text)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS status =
		hvdb_port_create(sc->hv, cmd->port.as, &cmd->port.in, &reason);

	return status_line(text, status, reason);
}

static void connect_defaults(struct scenario_cmd *cmd)
{
	cmd->connect.in.ConnectionInfo.PortType = HvPortTypeDoorbell;
}

static int connect_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			char *text)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS status = hvdb_port_connect(sc->hv, cmd->connect.as,
					     &cmd->connect.in, &reason);

	return status_line(text, status, reason);
}

static int disconnect_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			   char *text)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS status = hvdb_port_disconnect(sc->hv, cmd->disconnect.as,
						&cmd->disconnect.in, &reason);

	return status_line(text, status, reason);
}

static int delete_port_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			    char *text)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS status = hvdb_port_delete(sc->hv, cmd->delete_port.as,
					    &cmd->delete_port.in, &reason);

	return status_line(text, status, reason);
}

static const char *write_check(struct scenario_cmd *cmd)
{
	uint64_t len = cmd->write.len;

	if (len < 1 || len > 8)
		return scenario_args_fail(cmd, "LEN %" PRIu64 " is not 1..8",
					  len);
	if (len < 8 && cmd->write.value >> (8 * len))
		return scenario_args_fail(cmd,
					  "VALUE 0x%" PRIx64
					  " does not fit in %" PRIu64 " byte%s",
					  cmd->write.value, len,
					  len == 1 ? "" : "s");
	return NULL;
}

/* The fixed tokens of a write's result (SPEC §6), or NULL for -errno. */
static const char *write_tokens(int rc, const struct hvdb_write_outcome *o,
				char *buf, size_t size)
{
	switch (rc) {
	case HVDB_WRITE_FIRE:
		snprintf(buf, size,
			 "fire %" PRIu64 ":%" PRIu32 " conn=%" PRIu32,
			 o->port_partition, o->port_id, o->connection_id);
		return buf;
	case HVDB_WRITE_DROPPED:
		snprintf(buf, size, "dropped conn=%" PRIu32, o->connection_id);
		return buf;
	case HVDB_WRITE_MISS:
		return "miss";
	}
	return NULL;
}

static int write_exec(struct scenario *sc, const struct scenario_cmd *cmd,
		      char *text)
{
	/* The longest tokens, "fire <u64>:<u32> conn=<u32>", take 51 bytes;
	 * sized so tokens, "  # " and note always fit one line (gcc's
	 * -Wformat-truncation checks it at -Os). */
	char tokens[64];
	char note[SCENARIO_TEXT_MAX - sizeof(tokens) - 4] = "";
	struct hvdb_write_outcome o = { 0 };
	const char *fixed;
	int rc;

	if (!hvdb_partition_exists(sc->hv, cmd->write.partition))
		return malformed(text, "does not exist", cmd->write.partition);
	rc = sc->ops->write(sc->opaque, sc->hv, cmd->write.partition,
			    cmd->write.gpa, (unsigned)cmd->write.len,
			    cmd->write.value, &o, note, sizeof(note));
	fixed = write_tokens(rc, &o, tokens, sizeof(tokens));
	if (!fixed) {
		snprintf(text, SCENARIO_TEXT_MAX, "write");
		return rc < 0 ? rc : -EPROTO;
	}
	/* Free text after the fixed tokens, marked so tools can cut it. */
	snprintf(text, SCENARIO_TEXT_MAX, "%s%s%s", fixed, *note ? "  # " : "",
		 note);
	return 0;
}

static int hypercall_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			  char *text)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	HV_STATUS status = hvdb_hypercall(
		sc->hv, cmd->hypercall.as, cmd->hypercall.code,
		cmd->hypercall.input.data, cmd->hypercall.input.len, &reason);

	return status_line(text, status, reason);
}

static int stats_exec(struct scenario *sc, const struct scenario_cmd *cmd,
		      char *text)
{
	struct hvdb_port_stats stats;

	/* SPEC §2: every port belongs to the root partition. */
	if (cmd->stats.port_partition != HVDB_ROOT_PARTITION_ID ||
	    hvdb_port_stats(sc->hv, cmd->stats.port_id, &stats))
		return status_line(text, HV_STATUS_INVALID_PORT_ID,
				   HVDB_REASON_UNKNOWN_PORT);
	snprintf(text, SCENARIO_TEXT_MAX, "triggers %" PRIu64, stats.triggers);
	return 0;
}

/* `snapshot FILE`: the whole state as a snapshot document (hvdb.h),
 * written by outfile_write(): a regular FILE is replaced atomically, so a
 * failed run never leaves half a snapshot behind; links are followed and
 * devices or FIFOs written in place, never replaced. "ok"; a FILE that
 * cannot be written stops the run as an OS failure (exit 1). */
static int snapshot_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			 char *text)
{
	char shown[ARG_SHOWN_MAX];
	struct hvdb_snapshot_error err;
	size_t len;
	char *json;
	int rc;

	snprintf(text, SCENARIO_TEXT_MAX, "snapshot %s",
		 scenario_args_shown(shown, cmd->file.path));
	rc = hvdb_snapshot_save(sc->hv, &json, &len, &err);
	if (rc)
		return rc;
	rc = outfile_write(cmd->file.path, json, len);
	if (rc == 0)
		rc = scenario_dialect_saved(sc, cmd->file.path);
	free(json);
	if (rc == 0)
		snprintf(text, SCENARIO_TEXT_MAX, "ok");
	return rc;
}

/* Restored partitions get what a `partition` line gives them (guest
 * memory, a backend), before their connections come back. The root
 * exists from the start of a run and gets nothing, as there. */
static int restored_partition(void *opaque, struct hvdb *hv,
			      const struct hvdb_partition_desc *d)
{
	struct scenario *sc = opaque;
	struct hvdb_partition_config config;

	if (d->id == HVDB_ROOT_PARTITION_ID)
		return 0;
	hvdb_partition_config_from_desc(&config, d);
	return sc->ops->partition_created(sc->opaque, hv, &config);
}

/* `restore FILE`: replaces the whole state (partitions, ports,
 * connections, counters; the rings start empty) with FILE's, so a later
 * run goes on where a `snapshot` left off. "ok". A FILE that cannot be
 * read, is not a snapshot or describes a state that cannot exist is
 * malformed input (exit 2, "restore FILE: why"); the state is unchanged.
 * Running out of memory or a failing partition hook is exit 1. */
_Static_assert(SCENARIO_TEXT_MAX >= sizeof("restore : ") + ARG_SHOWN_MAX +
					    HVDB_SNAPSHOT_MESSAGE_MAX,
	       "a restore error fits one line whole");

static int restore_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			char *text)
{
	const struct hvdb_snapshot_restore_ops ops = {
		.partition_restored =
			sc->ops->partition_created ? restored_partition : NULL,
		.doorbell_restored = scenario_dialect_restored,
	};
	char shown[ARG_SHOWN_MAX];
	struct hvdb_snapshot_error err;
	struct stat st;
	struct hvdb *hv;
	FILE *f;
	int rc;

	scenario_args_shown(shown, cmd->file.path);
	f = fopen(cmd->file.path, "r");
	/* A directory opens but cannot be read: that is a bad FILE too. */
	if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		f = NULL;
		errno = EISDIR;
	}
	if (!f) {
		snprintf(text, SCENARIO_TEXT_MAX, "restore %s: %s", shown,
			 strerror(errno));
		return SCENARIO_MALFORMED;
	}
	scenario_dialect_restoring(sc, cmd->file.path);
	rc = hvdb_snapshot_restore_file(f, &ops, sc, &hv, &err);
	fclose(f);
	if (rc) {
		/* The half-built hypervisor is gone: so goes what hooks made.
		 */
		if (sc->ops->hv_replaced)
			sc->ops->hv_replaced(sc->opaque, sc->hv);
		snprintf(text, SCENARIO_TEXT_MAX, "restore %s: %s", shown,
			 err.message);
		return rc == -ENOMEM || rc == -EIO ? rc : SCENARIO_MALFORMED;
	}
	hvdb_destroy(sc->hv); /* detaches its backends */
	sc->hv = hv;
	if (sc->ops->hv_replaced)
		sc->ops->hv_replaced(sc->opaque, hv);
	snprintf(text, SCENARIO_TEXT_MAX, "ok");
	return 0;
}

/* ---- the table ---- */

static const struct scenario_arg partition_args[] = {
	ARG_POS("ID", partition.config.id),
	ARG_KEY("vps", partition.config.vp_count),
	ARG_KEY("gpa-bits", partition.config.gpa_bits),
	{ "privileges", true, false, ARG_HEX_NUM,
	  ARG_FIELD(partition.config.privileges) },
	{ "ram", true, false, ARG_RANGE, ARG_FIELD(partition.ram) },
};

static const struct scenario_arg port_args[] = {
	ARG_POS("AS", port.as),
	ARG_POS("PORT-PARTITION", port.in.PortPartition),
	ARG_POS("PORT-ID", port.in.PortId),
	ARG_POS("CONN-PARTITION", port.in.ConnectionPartition),
	ARG_KEY("sint", port.in.PortInfo.DoorbellPortInfo.TargetSint),
	ARG_KEY("vp", port.in.PortInfo.DoorbellPortInfo.TargetVp),
	ARG_KEY("type", port.in.PortInfo.PortType),
	ARG_KEY("reserved", port.in.PortInfo.ReservedZ),
};

static const struct scenario_arg connect_args[] = {
	ARG_POS("AS", connect.as),
	ARG_POS("CONN-PARTITION", connect.in.ConnectionPartition),
	ARG_POS("CONN-ID", connect.in.ConnectionId),
	ARG_POS("PORT-PARTITION", connect.in.PortPartition),
	ARG_POS("PORT-ID", connect.in.PortId),
	{ "gpa", true, true, ARG_NUM,
	  ARG_FIELD(connect.in.ConnectionInfo.DoorbellConnectionInfo
			    .GuestPhysicalAddress) },
	ARG_KEY("value",
		connect.in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue),
	ARG_KEY("flags",
		connect.in.ConnectionInfo.DoorbellConnectionInfo.Flags),
	ARG_KEY("type", connect.in.ConnectionInfo.PortType),
	ARG_KEY("padding", connect.in.ConnectionInfo.Padding),
};

static const struct scenario_arg disconnect_args[] = {
	ARG_POS("AS", disconnect.as),
	ARG_POS("CONN-PARTITION", disconnect.in.ConnectionPartition),
	ARG_POS("CONN-ID", disconnect.in.ConnectionId),
};

static const struct scenario_arg delete_port_args[] = {
	ARG_POS("AS", delete_port.as),
	ARG_POS("PORT-PARTITION", delete_port.in.PortPartition),
	ARG_POS("PORT-ID", delete_port.in.PortId),
};

static const struct scenario_arg write_args[] = {
	ARG_POS("PARTITION", write.partition),
	ARG_POS("GPA", write.gpa),
	ARG_POS("LEN", write.len),
	ARG_POS("VALUE", write.value),
};

static const struct scenario_arg hypercall_args[] = {
	ARG_POS("AS", hypercall.as),
	ARG_POS("CODE", hypercall.code),
	{ "HEX-INPUT-BYTES", false, false, ARG_BYTES,
	  ARG_FIELD(hypercall.input) },
};

static const struct scenario_arg stats_args[] = {
	ARG_POS("PORT-PARTITION", stats.port_partition),
	ARG_POS("PORT-ID", stats.port_id),
};

static const struct scenario_arg file_args[] = {
	{ "FILE", false, false, ARG_TEXT, ARG_FIELD(file.path) },
};

#define ARGS(a) a, sizeof(a) / sizeof(a[0])

static const struct verb verbs[SCENARIO_VERB_MAX] = {
	[SCENARIO_PARTITION] = { "partition", ARGS(partition_args),
				 partition_defaults, NULL, partition_exec },
	[SCENARIO_PORT] = { "port", ARGS(port_args), port_defaults, NULL,
			    port_exec },
	[SCENARIO_CONNECT] = { "connect", ARGS(connect_args), connect_defaults,
			       NULL, connect_exec },
	[SCENARIO_DISCONNECT] = { "disconnect", ARGS(disconnect_args), NULL,
				  NULL, disconnect_exec },
	[SCENARIO_DELETE_PORT] = { "delete-port", ARGS(delete_port_args), NULL,
				   NULL, delete_port_exec },
	[SCENARIO_WRITE] = { "write", ARGS(write_args), NULL, write_check,
			     write_exec },
	[SCENARIO_HYPERCALL] = { "hypercall", ARGS(hypercall_args), NULL, NULL,
				 hypercall_exec },
	[SCENARIO_STATS] = { "stats", ARGS(stats_args), NULL, NULL,
			     stats_exec },
	[SCENARIO_SNAPSHOT] = { "snapshot", ARGS(file_args), NULL, NULL,
				snapshot_exec },
	[SCENARIO_RESTORE] = { "restore", ARGS(file_args), NULL, NULL,
			       restore_exec },
	SCENARIO_DIALECT_VERBS
};

/* ---- the entry points ---- */

const char *scenario_parse_line(char *line, size_t len,
				struct scenario_cmd *cmd)
{
	char *hash = memchr(line, '#', len);
	char *cursor = line, *end;
	const struct verb *v;
	const char *err;
	char *word;
	char buf[ARG_SHOWN_MAX];
	int i;

	memset(cmd, 0, sizeof(*cmd));
	if (hash)
		len = (size_t)(hash - line);
	if (memchr(line, '\0', len))
		return scenario_args_fail(cmd, "NUL byte in line");
	end = line + len;
	word = scenario_args_next_token(&cursor, end);
	if (!word)
		return NULL; /* SCENARIO_NONE */
	for (i = SCENARIO_NONE + 1; i < SCENARIO_VERB_MAX; i++)
		if (!strcmp(verbs[i].name, word))
			break;
	if (i == SCENARIO_VERB_MAX)
		return scenario_args_fail(cmd, "unknown command '%s'",
					  scenario_args_shown(buf, word));
	v = &verbs[i];
	cmd->verb = (enum scenario_verb)i;
	if (v->defaults)
		v->defaults(cmd);
	err = scenario_args_bind(cmd, v->name, v->args, v->nargs, &cursor, end);
	if (!err && v->check)
		err = v->check(cmd);
	return err;
}

static int default_write(void *opaque, struct hvdb *hv, uint64_t partition,
			 hvdb_gpa_t gpa, unsigned len, uint64_t value,
			 struct hvdb_write_outcome *out, char *note,
			 size_t note_size)
{
	(void)opaque;
	(void)note; /* hvdb_write has nothing to add */
	(void)note_size;
	return hvdb_write(hv, partition, gpa, len, value, out);
}

const struct scenario_ops scenario_default_ops = {
	.write = default_write,
};

int scenario_exec(struct scenario *sc, const struct scenario_cmd *cmd,
		  char text[SCENARIO_TEXT_MAX])
{
	text[0] = '\0';
	if (cmd->verb <= SCENARIO_NONE || cmd->verb >= SCENARIO_VERB_MAX)
		return 0;
	return verbs[cmd->verb].exec(sc, cmd, text);
}

int scenario_run(struct scenario *sc, FILE *in, FILE *out, FILE *err)
{
	struct scenario_cmd cmd;
	char text[SCENARIO_TEXT_MAX];
	unsigned long lineno = 0;
	struct lines lines = { 0 };
	const char *msg;
	ssize_t n;
	int rc = 0;

	while ((n = lines_next(&lines, in)) >= 0) {
		lineno++;
		msg = scenario_parse_line(lines.buf, (size_t)n, &cmd);
		if (msg) {
			rc = SCENARIO_MALFORMED;
		} else {
			rc = scenario_exec(sc, &cmd, text);
			msg = text;
		}
		if (rc == 0) {
			if (text[0])
				fprintf(out, "%s\n", text);
			continue;
		}
		/* Keep stdout and stderr in order when they share a pipe;
		 * a failed flush shows in ferror(out), which main checks. */
		(void)fflush(out);
		if (rc == SCENARIO_MALFORMED)
			fprintf(err, "hvdb: line %lu: %s\n", lineno, msg);
		else
			fprintf(err, "hvdb: line %lu: %s: %s\n", lineno, msg,
				strerror(-rc));
		break;
	}
	if (n == LINES_TOO_LONG) {
		fprintf(err,
			"hvdb: line %lu: longer than %u bytes before any "
			"comment\n",
			lineno + 1, LINES_MAX);
		rc = SCENARIO_MALFORMED;
	} else if (n < -1 || (n == -1 && ferror(in))) {
		fprintf(err, "hvdb: reading line %lu: %s\n", lineno + 1,
			strerror(n < -1 ? (int)-n : errno));
		rc = -EIO;
	}
	lines_free(&lines);
	scenario_dialect_finish(sc);
	return rc == 0 ? 0 : rc == SCENARIO_MALFORMED ? 2 : 1;
}
