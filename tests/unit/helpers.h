/* helpers.h - layered test helpers for the libhvdb unit tests (STYLE 15-17).
 *
 * Layers, as in the KVM selftests:
 *  - hv_with_guest(&g) builds a hypervisor with one guest partition using
 *    the defaults below; hv_with_guest_opts(&g, &opts) takes knobs.
 *  - *_input() builders return a valid default HV_INPUT_* so a test mutates
 *    the one field it is about.
 *  - port_create() / connect_port() / disconnect_port() / delete_port()
 *    assert success (failing the test at the caller's file:line);
 *    try_port_create() / try_connect_port() / ... return the HV_STATUS and
 *    the reason and assert nothing.
 *  - assert_status() compares a status and reason by NAME.
 *  - state_digest() renders everything the introspection API shows, so a
 *    test can prove that a refused call changed nothing.
 *  - run_call_cases() runs a table of {name, mutate, want_status,
 *    want_reason} rows (STYLE 17), each on a fresh hypervisor.
 *
 * Every helper that can fail takes the caller's file:line through a macro.
 */
#ifndef HVDB_TESTS_UNIT_HELPERS_H
#define HVDB_TESTS_UNIT_HELPERS_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hvdb/dialect.h>
#include <hvdb/hvdb.h>
#include <hvdb/backend.h>
#include <hvdb/snapshot.h>
#include <hvdb/testing.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Defaults of the harness.                                           */
/* ------------------------------------------------------------------ */

#define ROOT_ID HVDB_ROOT_PARTITION_ID
#define GUEST_ID 2ull		   /* the default guest of hv_with_guest() */
#define OTHER_GUEST_ID 3ull	   /* a second guest, made by guest_add() */
#define UNKNOWN_PARTITION_ID 99ull /* never created */
#define GUEST_VPS 2u
/* The root gets a VP count different from the guest's, so a check against
 * the wrong partition's VP count shows. */
#define ROOT_VPS 3u
#define GUEST_GPA_BITS 48u
#define PORT_ID 1u /* the default port */
#define CONN_ID 1u /* the default connection */
/* A page-aligned GPA well inside 48 bits, with no RAM behind it (MMIO). */
#define DOORBELL_GPA 0x10000000ull
#define DEFAULT_FLAGS HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD
#define DEFAULT_VALUE 1ull
#define ANY_SIZE_ANY_VALUE \
	(HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY | HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE)
#define BOTH_PRIVILEGES (HV_PRIVILEGE_CREATE_PORT | HV_PRIVILEGE_CONNECT_PORT)

/* Knobs of hv_with_guest_opts(); guest_opts_default() gives the defaults. */
struct guest_opts {
	uint64_t id;
	uint32_t vp_count;
	uint32_t gpa_bits;
	uint64_t privileges;
	uint32_t connection_limit;
	uint32_t root_vp_count;
	const struct hvdb_ram_range *ram;
	size_t ram_count;
};

/* A hypervisor and the guest partition a test is about. */
struct guest {
	struct hvdb *hv;
	uint64_t id;
	struct guest_opts opts;
};

struct guest_opts guest_opts_default(void);

#define hv_with_guest(g) hv_with_guest_opts_at((g), NULL, __FILE__, __LINE__)
#define hv_with_guest_opts(g, opts) \
	hv_with_guest_opts_at((g), (opts), __FILE__, __LINE__)
void hv_with_guest_opts_at(struct guest *g, const struct guest_opts *opts,
			   const char *file, int line);
/* Frees the hypervisor; safe on a zeroed struct guest. */
void teardown(struct guest *g);

/* Adds another guest partition (GUEST_VPS VPs, 48 bits) to g's hypervisor. */
#define guest_add(g, id, privileges) \
	guest_add_at((g), (id), (privileges), __FILE__, __LINE__)
void guest_add_at(struct guest *g, uint64_t id, uint64_t privileges,
		  const char *file, int line);

/* ------------------------------------------------------------------ */
/* Input builders: valid defaults, to be mutated one field at a time. */
/* ------------------------------------------------------------------ */

/* Root creates doorbell port (port_id) offered to g's guest, SINT 5, VP 0. */
HV_INPUT_CREATE_PORT create_port_input(const struct guest *g,
				       HV_PORT_ID port_id);
/* A doorbell HV_CONNECTION_INFO. */
HV_CONNECTION_INFO doorbell_info(hvdb_gpa_t gpa, uint64_t flags,
				 uint64_t value);
/* Root connects (conn_id) of g's guest to root port (port_id) at (gpa),
 * DWORD, value DEFAULT_VALUE. */
HV_INPUT_CONNECT_PORT connect_port_input(const struct guest *g,
					 HV_CONNECTION_ID conn_id,
					 HV_PORT_ID port_id, hvdb_gpa_t gpa);
HV_INPUT_DISCONNECT_PORT disconnect_port_input(const struct guest *g,
					       HV_CONNECTION_ID conn_id);
HV_INPUT_DELETE_PORT delete_port_input(HV_PORT_ID port_id);

/* ------------------------------------------------------------------ */
/* The four calls: try_ (raw result) and asserting variants.          */
/* ------------------------------------------------------------------ */

HV_STATUS try_port_create(struct guest *g, uint64_t caller,
			  const HV_INPUT_CREATE_PORT *in,
			  enum hvdb_reason *reason);
HV_STATUS try_connect_port(struct guest *g, uint64_t caller,
			   const HV_INPUT_CONNECT_PORT *in,
			   enum hvdb_reason *reason);
HV_STATUS try_disconnect_port(struct guest *g, uint64_t caller,
			      const HV_INPUT_DISCONNECT_PORT *in,
			      enum hvdb_reason *reason);
HV_STATUS try_delete_port(struct guest *g, uint64_t caller,
			  const HV_INPUT_DELETE_PORT *in,
			  enum hvdb_reason *reason);

/* Root creates the default port (port_id); asserts success. */
#define port_create(g, port_id) \
	port_create_at((g), (port_id), __FILE__, __LINE__)
void port_create_at(struct guest *g, HV_PORT_ID port_id, const char *file,
		    int line);
/* (caller) creates the port described by (in); asserts success. */
#define port_create_in(g, caller, in) \
	port_create_in_at((g), (caller), (in), __FILE__, __LINE__)
void port_create_in_at(struct guest *g, uint64_t caller,
		       const HV_INPUT_CREATE_PORT *in, const char *file,
		       int line);

/* Root connects (conn_id) of g's guest to root port (port_id) with the
 * given trigger; asserts success. */
#define connect_port(g, conn_id, port_id, gpa, flags, value)                \
	connect_port_at((g), (conn_id), (port_id), (gpa), (flags), (value), \
			__FILE__, __LINE__)
void connect_port_at(struct guest *g, HV_CONNECTION_ID conn_id,
		     HV_PORT_ID port_id, hvdb_gpa_t gpa, uint64_t flags,
		     uint64_t value, const char *file, int line);
#define connect_port_in(g, caller, in) \
	connect_port_in_at((g), (caller), (in), __FILE__, __LINE__)
void connect_port_in_at(struct guest *g, uint64_t caller,
			const HV_INPUT_CONNECT_PORT *in, const char *file,
			int line);

/* Root disconnects (conn_id) of g's guest; asserts success. */
#define disconnect_port(g, conn_id) \
	disconnect_port_at((g), (conn_id), __FILE__, __LINE__)
void disconnect_port_at(struct guest *g, HV_CONNECTION_ID conn_id,
			const char *file, int line);

/* Root deletes root port (port_id); asserts success. */
#define delete_port(g, port_id) \
	delete_port_at((g), (port_id), __FILE__, __LINE__)
void delete_port_at(struct guest *g, HV_PORT_ID port_id, const char *file,
		    int line);

/* ------------------------------------------------------------------ */
/* Statuses and reasons, compared and printed by name (STYLE 16).     */
/* ------------------------------------------------------------------ */

/* hvdb_status_name(), or "HV_STATUS_0x..." for a status it does not know. */
const char *status_str(HV_STATUS status, char *buf, size_t size);

/* Prints "file:line: [what: ]wanted X reason, got Y reason" and returns
 * false on a mismatch; true otherwise. (what) may be NULL. Pass an
 * already computed status: argument order is unspecified. */
bool check_status_at(HV_STATUS got, enum hvdb_reason got_reason, HV_STATUS want,
		     const char *want_reason, const char *what,
		     const char *file, int line);
#define check_status(got, got_reason, want, want_reason, what)              \
	check_status_at((got), (got_reason), (want), (want_reason), (what), \
			__FILE__, __LINE__)
/* (got) is evaluated before (got_reason) is read, so the call that sets
 * the reason may be written inline: assert_status(try_x(..., &r), r, ...). */
#define assert_status(got, got_reason, want, want_reason)                      \
	do {                                                                   \
		HV_STATUS got_status_ = (got);                                 \
		if (!check_status_at(got_status_, (got_reason), (want),        \
				     (want_reason), NULL, __FILE__, __LINE__)) \
			_fail(__FILE__, __LINE__);                             \
	} while (0)

/* ------------------------------------------------------------------ */
/* Writes (SPEC §4).                                                  */
/* ------------------------------------------------------------------ */

/* "miss", "fire", "dropped" or the errno name for a hvdb_write result. */
const char *write_result_str(int result);

/* A write of (len, value) at (gpa) in (partition) must give (want); for a
 * fire or a drop, (want_conn) must be the connection it matched. */
#define assert_write(g, partition, gpa, len, value, want, want_conn)     \
	assert_write_at((g), (partition), (gpa), (len), (value), (want), \
			(want_conn), __FILE__, __LINE__)
void assert_write_at(struct guest *g, uint64_t partition, hvdb_gpa_t gpa,
		     unsigned len, uint64_t value, int want,
		     HV_CONNECTION_ID want_conn, const char *file, int line);

/* Stats of live root port (port_id); asserts it exists. */
#define port_stats(g, port_id) port_stats_at((g), (port_id), __FILE__, __LINE__)
struct hvdb_port_stats port_stats_at(struct guest *g, HV_PORT_ID port_id,
				     const char *file, int line);

/* ------------------------------------------------------------------ */
/* State digest: everything the foreach walks show, as text.          */
/* ------------------------------------------------------------------ */

/* malloc'd text, one line per partition, port and connection. */
char *state_digest(struct hvdb *hv);
/* Fails (with both digests printed) unless state_digest(hv) == (before).
 * Frees (before). */
#define assert_state_unchanged(hv, before) \
	assert_state_unchanged_at((hv), (before), __FILE__, __LINE__)
void assert_state_unchanged_at(struct hvdb *hv, char *before, const char *file,
			       int line);

/* Introspection look-ups. */
bool find_connection_desc(struct hvdb *hv, uint64_t partition,
			  HV_CONNECTION_ID id,
			  struct hvdb_connection_desc *out);
bool find_port_desc(struct hvdb *hv, HV_PORT_ID id, struct hvdb_port_desc *out);
bool find_partition_desc(struct hvdb *hv, uint64_t id,
			 struct hvdb_partition_desc *out);

/* ------------------------------------------------------------------ */
/* Tables of calls (STYLE 17).                                        */
/* ------------------------------------------------------------------ */

enum hv_op {
	HV_OP_CREATE_PORT,
	HV_OP_CONNECT_PORT,
	HV_OP_DISCONNECT_PORT,
	HV_OP_DELETE_PORT,
};

/* One of the four calls, as a caller and its input. */
struct hv_call {
	enum hv_op op;
	uint64_t caller;
	union {
		HV_INPUT_CREATE_PORT create;
		HV_INPUT_CONNECT_PORT connect;
		HV_INPUT_DISCONNECT_PORT disconnect;
		HV_INPUT_DELETE_PORT del;
	} in;
};

/* How a table reaches the library. */
enum call_path {
	CALL_TYPED, /* hvdb_port_create() and friends */
	CALL_RAW,   /* hvdb_hypercall() with the bytes of SPEC §1 */
};

/* The hypercall code of (op). */
uint16_t call_op_code(enum hv_op op);
/* Writes the little-endian input bytes of (call) at the offsets of SPEC §1
 * into (buf) (at least 72 bytes) and returns their count. */
size_t call_encode(const struct hv_call *call, uint8_t *buf);
/* Issues (call) by (path). */
HV_STATUS call_do(struct guest *g, const struct hv_call *call,
		  enum call_path path, enum hvdb_reason *reason);

/* Puts the (size) low bytes of (v) at buf[off] little-endian. */
void put_le(uint8_t *buf, size_t off, unsigned size, uint64_t v);

/* The default successful call of each operation, with the state it needs:
 * create: root creates PORT_ID offered to the guest;
 * connect: PORT_ID exists; root connects CONN_ID at DOORBELL_GPA, DWORD 1;
 * disconnect: PORT_ID and CONN_ID exist; root disconnects CONN_ID;
 * delete: PORT_ID exists; root deletes it. */
void base_create_port(struct guest *g, struct hv_call *call);
void base_connect_port(struct guest *g, struct hv_call *call);
void base_disconnect_port(struct guest *g, struct hv_call *call);
void base_delete_port(struct guest *g, struct hv_call *call);

/* Defines a table row's mutate function whose body is (body); it sees the
 * guest as (g) and the call as (c). */
#define MUTATE(name, body)                                   \
	static void name(struct guest *g, struct hv_call *c) \
	{                                                    \
		(void)g;                                     \
		(void)c;                                     \
		body;                                        \
	}

/* Guest knobs used by tables: the defaults plus privileges. */
extern const struct guest_opts guest_with_create_privilege;
extern const struct guest_opts guest_with_connect_privilege;
extern const struct guest_opts guest_with_both_privileges;

struct call_case {
	const char *name;
	/* Guest knobs for this row; NULL for the defaults. */
	const struct guest_opts *opts;
	/* Changes the base call; may also add state (ports, connections,
	 * partitions) that the row needs. NULL keeps the base call. */
	void (*mutate)(struct guest *g, struct hv_call *call);
	HV_STATUS want_status;
	const char *want_reason; /* reason name; "ok" with success */
};

/* Runs every row on a fresh hypervisor: base(), row.mutate(), then the call
 * by (path). Checks status and reason by name; a refused call must leave
 * state_digest() unchanged and a successful one must change it. Reports
 * every failing row, then fails the test if any did. */
#define run_call_cases(cases, n, base, path) \
	run_call_cases_at((cases), (n), (base), (path), __FILE__, __LINE__)
void run_call_cases_at(const struct call_case *cases, size_t n,
		       void (*base)(struct guest *g, struct hv_call *call),
		       enum call_path path, const char *file, int line);

#endif /* HVDB_TESTS_UNIT_HELPERS_H */
