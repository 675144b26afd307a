/* scenario.h - the scenario language of SPEC §6: parse a line, run it.
 *
 * Parsing is pure (a fuzz target): it only looks at the line. Running a
 * parsed command needs a hypervisor and a front end (struct scenario_ops)
 * that says how a guest write happens: `hvdb replay` calls hvdb_write(),
 * `hvdb run --script` performs real KVM guest stores and reuses the rest.
 */
#ifndef HVDB_CLI_SCENARIO_H
#define HVDB_CLI_SCENARIO_H

#include <stdio.h>

#include <hvdb/dialect.h>
#include <hvdb/hvdb.h>
#include <hvdb/backend.h>

/* Room for one output line or one error message, without newline: the
 * longest is "restore FILE: " with a whole library message (a message cut
 * mid-sentence explains nothing). */
#define SCENARIO_TEXT_MAX 256
/* ram= ranges one `partition` line may carry (the library takes any
 * number). `hvdb run --script` gives each range KVM memory slots of its
 * own, and older kernels have 509 slots per VM, so 256 keeps every valid
 * scenario runnable there too, with room for the VMM's own slots. */
#define SCENARIO_RAM_MAX 256

/* The commands; SCENARIO_NONE is a blank or comment-only line. Adding a
 * command adds an entry here, a member to the union of struct
 * scenario_cmd and one row to the table in scenario.c. */
enum scenario_verb {
	SCENARIO_NONE,
	SCENARIO_PARTITION,
	SCENARIO_PORT,
	SCENARIO_CONNECT,
	SCENARIO_DISCONNECT,
	SCENARIO_DELETE_PORT,
	SCENARIO_WRITE,
	SCENARIO_HYPERCALL,
	SCENARIO_STATS,
	SCENARIO_SNAPSHOT,
	SCENARIO_RESTORE,
	SCENARIO_IOEVENTFD,
	SCENARIO_WHP_REGISTER,
	SCENARIO_WHP_UNREGISTER,
	SCENARIO_VERB_MAX
};

/* Bytes decoded from a hex argument; (data) points into the parsed line. */
struct scenario_bytes {
	const uint8_t *data;
	size_t len;
};

struct scenario_ranges {
	struct hvdb_ram_range range[SCENARIO_RAM_MAX];
	size_t count;
};

/* One parsed line: every field the command names, defaults filled in. */
struct scenario_cmd {
	enum scenario_verb verb;
	union {
		struct {
			/* .ram/.ram_count are set from (ram) when run */
			struct hvdb_partition_config config;
			struct scenario_ranges ram;
		} partition;
		struct {
			uint64_t as;
			HV_INPUT_CREATE_PORT in;
		} port;
		struct {
			uint64_t as;
			HV_INPUT_CONNECT_PORT in;
		} connect;
		struct {
			uint64_t as;
			HV_INPUT_DISCONNECT_PORT in;
		} disconnect;
		struct {
			uint64_t as;
			HV_INPUT_DELETE_PORT in;
		} delete_port;
		struct {
			uint64_t partition;
			hvdb_gpa_t gpa;
			uint64_t len;	/* 1..8 */
			uint64_t value; /* fits len bytes */
		} write;
		struct {
			uint64_t as;
			uint16_t code;
			struct scenario_bytes input;
		} hypercall;
		struct {
			uint64_t port_partition;
			HV_PORT_ID port_id;
		} stats;
		struct {
			const char *path; /* points into the parsed line */
		} file;			  /* snapshot, restore */
		struct {
			uint64_t partition;
			/* .fd, .flags and .rsvd are set when run */
			struct mshv_user_ioeventfd args;
			const char *fd;		/* eventfd name, "-" for -1 */
			uint64_t deassign, pio; /* 0/1 */
			uint32_t flags;		/* raw bits ORed in */
			uint32_t rsvd;		/* little-endian u32 */
		} ioeventfd;
		struct {
			uint64_t partition;
			/* .MatchFlags is set by the check */
			WHV_DOORBELL_MATCH_DATA match;
			uint64_t match_value, match_length; /* 0/1 */
			uint32_t reserved;		    /* bits 2-31 */
			const char *event;		    /* eventfd name */
		} whp; /* whp-register, whp-unregister */
	};
	/* Bit i: args[i] of the command's table was given (scenario_args). */
	uint32_t given;
	char error[SCENARIO_TEXT_MAX]; /* why the line is malformed */
};

/* Parses one line of (len) bytes (a trailing newline is fine) into (cmd).
 * Never exits and takes any bytes. Tokenizes (line) in place, so
 * line[0..len] (one byte past the end too) must be writable, and (cmd) may
 * point into (line): keep it while (cmd) is used. Returns NULL, or the
 * message (in cmd->error) saying why the line is malformed (SPEC §6). */
const char *scenario_parse_line(char *line, size_t len,
				struct scenario_cmd *cmd);

struct scenario_ops {
	/* Performs the guest write of a `write` line: (len) 1..8 bytes whose
	 * little-endian value is (value) at (gpa) of existing (partition).
	 * Returns an enum hvdb_write_result, filling (out) on a fire or drop,
	 * or -errno to stop the run. May put free text for the end of the
	 * output line in (note) (note_size bytes, starts empty); it is
	 * printed after the fixed tokens as "  # <note>". */
	int (*write)(void *opaque, struct hvdb *hv, uint64_t partition,
		     hvdb_gpa_t gpa, unsigned len, uint64_t value,
		     struct hvdb_write_outcome *out, char *note,
		     size_t note_size);
	/* Optional: runs after a `partition` line created partition
	 * (config->id), e.g. to give it guest memory or a backend
	 * (hvdb_partition_set_backend). -errno stops the run. */
	int (*partition_created)(void *opaque, struct hvdb *hv,
				 const struct hvdb_partition_config *config);
	/* Optional: after a `restore` line, done or refused, the run acts on
	 * (hv) alone (the restored hypervisor, or the unchanged one): let go
	 * of what partition_created set up for any other, which is already
	 * destroyed. */
	void (*hv_replaced)(void *opaque, struct hvdb *hv);
};

/* Writes through hvdb_write(); no partition hook. */
extern const struct scenario_ops scenario_default_ops;

struct scenario_eventfds;

/* A run: the hypervisor the lines act on and how writes happen. */
struct scenario {
	struct hvdb *hv;
	const struct scenario_ops *ops;
	void *opaque; /* passed to every op */
	/* The eventfds `ioeventfd` and `whp-register` lines name (SPEC
	 * §7.3), made on first use; scenario_run() closes them at its end. */
	struct scenario_eventfds *eventfds;
};

/* Return values of scenario_exec() besides 0 and -errno. */
#define SCENARIO_MALFORMED 1

/* Runs (cmd) on (sc). Returns 0 with the output line in (text), "" for a
 * blank line; SCENARIO_MALFORMED with the message in (text) when the line
 * is malformed only in the light of state (write to a missing partition,
 * partition that exists); or -errno with what failed in (text). */
int scenario_exec(struct scenario *sc, const struct scenario_cmd *cmd,
		  char text[SCENARIO_TEXT_MAX]);

/* Runs the lines of (in) until EOF or the first malformed line, printing
 * one output line per command to (out) and `hvdb: line N: ...` to (err).
 * Returns the exit status: 0, 2 malformed line, 1 read or -errno failure.
 * Output printed before a failure stays. */
int scenario_run(struct scenario *sc, FILE *in, FILE *out, FILE *err);

#endif
