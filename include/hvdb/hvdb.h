/* hvdb.h - libhvdb: Hyper-V doorbell ports and connections (SPEC §2-§4).
 *
 * One `struct hvdb` models one hypervisor: partitions, doorbell ports owned
 * by the root partition, and doorbell connections in guest partitions.
 * Every mutating call validates in the order of SPEC §3 and returns an
 * HV_STATUS plus a stable reason; a refused call changes nothing.
 *
 * Threads: calls that change state (create/connect/disconnect/delete,
 * set_*) serialise on one lock in the handle. hvdb_write(),
 * hvdb_match_lookup(), hvdb_port_stats() and hvdb_port_account_offloaded()
 * take no lock and may run on any number of threads at once, concurrently
 * with the mutating calls. After hvdb_port_disconnect() or
 * hvdb_port_delete() returns, no write that starts later fires the
 * connection (or the port). Lock-free readers use liburcu's "bp" flavour:
 * threads need no registration. Functions taking no handle are pure and
 * may run on any thread.
 *
 * Results come in three kinds, by function:
 *  - HV_STATUS: the four port hypercalls and hvdb_partition_create().
 *    HV_STATUS_SUCCESS (0) or the status of the first failing check, with
 *    *reason set to an enum hvdb_reason (reason may be NULL);
 *  - int: 0 (or a count, or an enum hvdb_write_result) on success, or a
 *    negative errno value (-EINVAL, -ENOENT, -EBUSY, -ENOMEM, ...);
 *  - pointers: NULL on failure.
 * This header is what a VMM needs. Backend authors add hvdb/backend.h,
 * snapshots are in hvdb/snapshot.h, fault injection and introspection for
 * tests and tools in hvdb/testing.h; the KVM backend is libhvdb-kvm,
 * hvdb/kvm.h. No function prints, exits or aborts. Ownership: the caller owns
 * what it passes in (inputs are copied unless a comment says otherwise); what a
 * function returns through a pointer is static, or the caller's to free
 * when the comment says so.
 */
#ifndef HVDB_HVDB_H
#define HVDB_HVDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hvdb/hvdef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HVDB_API __attribute__((visibility("default")))
#else
#define HVDB_API
#endif

#define HVDB_VERSION_STRING "0.1.0"

typedef uint64_t hvdb_gpa_t;

#define HVDB_ROOT_PARTITION_ID 1ull
#define HVDB_DEFAULT_GPA_BITS 48u
#define HVDB_DEFAULT_CONNECTION_LIMIT 262144u
#define HVDB_PAGE_SIZE 4096u
/* The SynIC event ring of SPEC §4: 63 slots of port ids. */
#define HVDB_RING_SLOTS 63u
/* Connection id passed to callbacks for fires counted by a backend. */
#define HVDB_CONNECTION_ID_UNKNOWN 0xFFFFFFFFu

/* ------------------------------------------------------------------ */
/* Reasons: the one list of refusal reasons (SPEC §3).                */
/* ------------------------------------------------------------------ */

/* X(ENUM_SUFFIX, "reason-name", "human message") */
/* clang-format off */
#define HVDB_REASONS(X)                                                        \
	X(NONE, "ok", "success")                                               \
	X(NO_CREATE_PORT_PRIVILEGE, "no-create-port-privilege",                \
	  "caller is neither the root nor the target partition holding the "   \
	  "CreatePort privilege")                                              \
	X(NO_CONNECT_PORT_PRIVILEGE, "no-connect-port-privilege",              \
	  "caller is neither the root nor the target partition holding the "   \
	  "ConnectPort privilege")                                             \
	X(UNKNOWN_PARTITION, "unknown-partition", "no such partition")         \
	X(BAD_PORT_ID, "bad-port-id", "port id has reserved bits 24-31 set")   \
	X(PORT_ID_IN_USE, "port-id-in-use", "port id is already in use")       \
	X(UNSUPPORTED_PORT_TYPE, "unsupported-port-type",                      \
	  "only HvPortTypeDoorbell (4) is implemented")                        \
	X(DOORBELL_PORT_REQUIRES_ROOT, "doorbell-port-requires-root",          \
	  "doorbell ports belong to the root partition")                       \
	X(RESERVED_NONZERO, "reserved-nonzero",                                \
	  "a reserved, padding or VTL field is not zero")                      \
	X(BAD_SINT, "bad-sint", "target SINT must be 1..15")                   \
	X(BAD_VP, "bad-vp",                                                    \
	  "target VP is neither HV_ANY_VP nor a VP of the port partition")     \
	X(BAD_CONNECTION_ID, "bad-connection-id",                              \
	  "connection id has reserved bits 24-31 set")                         \
	X(CONNECTION_ID_IN_USE, "connection-id-in-use",                        \
	  "connection id is already in use in this partition")                 \
	X(UNKNOWN_PORT, "unknown-port", "no such port")                        \
	X(PORT_NOT_OFFERED, "port-not-offered",                                \
	  "the port accepts connections from another partition only")          \
	X(PORT_TYPE_MISMATCH, "port-type-mismatch",                            \
	  "connection PortType differs from the port's type")                  \
	X(RESERVED_FLAGS, "reserved-flags",                                    \
	  "Flags has bits outside 0x80000007")                                 \
	X(BAD_TRIGGER_SIZE, "bad-trigger-size", "trigger size code 5..7")      \
	X(VALUE_TOO_WIDE, "value-too-wide",                                    \
	  "TriggerValue does not fit the trigger size")                        \
	X(GPA_OUT_OF_RANGE, "gpa-out-of-range",                                \
	  "doorbell lies beyond the partition's GPA width")                    \
	X(CROSSES_PAGE, "crosses-page", "doorbell crosses a page boundary")    \
	X(TRIGGER_CONFLICT, "trigger-conflict",                                \
	  "a write could match this and an existing connection")               \
	X(CONNECTION_LIMIT, "connection-limit",                                \
	  "the partition's connection limit is reached")                       \
	X(UNKNOWN_CONNECTION, "unknown-connection", "no such connection")      \
	X(UNKNOWN_HYPERCALL_CODE, "unknown-hypercall-code",                    \
	  "hypercall code is not a port call")                                 \
	X(BAD_INPUT_LENGTH, "bad-input-length",                                \
	  "hypercall input has the wrong length")                              \
	X(PARTITION_EXISTS, "partition-exists", "partition id already exists") \
	X(BAD_PARTITION_CONFIG, "bad-partition-config",                        \
	  "partition id, VP count, GPA width or RAM range is invalid")         \
	X(OUT_OF_MEMORY, "out-of-memory", "an allocation failed")              \
	X(BACKEND_FAILURE, "backend-failure",                                  \
	  "the backend could not attach the trigger")                          \
	X(BAD_FLAGS, "bad-flags",                                              \
	  "ioeventfd flags has bits outside DATAMATCH, PIO and DEASSIGN")      \
	X(RSVD_NONZERO, "rsvd-nonzero", "ioeventfd rsvd bytes are not zero")   \
	X(PIO, "pio",                                                          \
	  "port I/O ioeventfds are refused: Hyper-V doorbells are memory "     \
	  "writes")                                                            \
	X(BAD_FD, "bad-fd", "fd is not an open file descriptor")               \
	X(NOT_EVENTFD, "not-eventfd", "fd is open but not an eventfd")         \
	X(NO_SUCH_IOEVENTFD, "no-such-ioeventfd",                              \
	  "no ioeventfd of the partition has this eventfd and match data")     \
	X(BAD_LEN, "bad-len", "ioeventfd len is not 0, 1, 2, 4 or 8")          \
	X(ADDR_WRAPS, "addr-wraps", "addr + len wraps past 2^64")              \
	X(IOEVENTFD_EXISTS, "ioeventfd-exists",                                \
	  "an ioeventfd of the partition has this addr and len and could "     \
	  "match the same value")                                              \
	X(NO_FREE_ID, "no-free-id", "every doorbell id 1..0xFFFFFF is taken")  \
	X(BAD_LENGTH, "bad-length",                                            \
	  "MatchOnLength is set and Length is not 1, 2, 4 or 8")               \
	X(BAD_MODE, "bad-mode",                                                \
	  "MatchOnLength is clear but Length or MatchOnValue is set")          \
	X(VALUE_WITHOUT_MATCH, "value-without-match",                          \
	  "Value is not zero but MatchOnValue is clear")                       \
	X(WHP_CONFLICT, "whp-conflict",                                        \
	  "a connection at this GPA is not a same-length doorbell with "       \
	  "another value")                                                     \
	X(NO_SUCH_DOORBELL, "no-such-doorbell",                                \
	  "no WHP doorbell of the partition has this match data")

#define HVDB_REASON_ENUM_(e, name, msg) HVDB_REASON_##e,
enum hvdb_reason { HVDB_REASONS(HVDB_REASON_ENUM_) HVDB_REASON_MAX };
#undef HVDB_REASON_ENUM_
/* clang-format on */

/* Stable reason name ("crosses-page", "ok" for HVDB_REASON_NONE); "?" for
 * out-of-range values. The names are part of the interface (scripts and
 * tests match them) and never change. Static strings; any thread. */
HVDB_API const char *hvdb_reason_name(enum hvdb_reason reason);
/* Human message for a reason (may be reworded between releases); "?" for
 * out-of-range values. Static string; any thread. */
HVDB_API const char *hvdb_reason_message(enum hvdb_reason reason);
/* "HV_STATUS_INVALID_PARAMETER" for 0x5, for every HV_STATUS_* of
 * hvdef.h; NULL for any other value. Static string; any thread. */
HVDB_API const char *hvdb_status_name(HV_STATUS status);

/* ------------------------------------------------------------------ */
/* HV_CONNECTION_INFO on its own (no hypervisor needed).              */
/* ------------------------------------------------------------------ */

/* Width in bytes of the trigger size code in (flags) (bits 0-2; other bits
 * are ignored): 0 for SIZE_ANY, 1/2/4/8, or -1 for the invalid codes
 * 5..7. Pure; any thread. */
HVDB_API int hvdb_trigger_size_width(uint64_t flags);
/* Name of the trigger size code in (flags): "any", "byte", "word",
 * "dword", "qword" or "invalid" (codes 5..7), as `hvdb decode --json`
 * prints it. Static string; any thread. */
HVDB_API const char *hvdb_trigger_size_name(uint64_t flags);

/* Copy of the 32 ABI bytes (little-endian, memory order) to and from the
 * struct, on any host byte order. Neither validates the fields: see
 * hvdb_conninfo_problems(). hvdb_conninfo_decode returns 0, or -EINVAL
 * when (len) != 32 (then *info is untouched). Pure; any thread. */
HVDB_API void hvdb_conninfo_encode(const HV_CONNECTION_INFO *info,
				   uint8_t out[32]);
HVDB_API int hvdb_conninfo_decode(const uint8_t *bytes, size_t len,
				  HV_CONNECTION_INFO *info);

/* The checks of SPEC §3 ConnectPort that need no partition, in order:
 * unsupported-port-type, reserved-nonzero (Padding), reserved-flags,
 * bad-trigger-size, value-too-wide, crosses-page. Unlike ConnectPort, it
 * does not stop at the first: writes up to (max) failing reasons to (out)
 * (which may be NULL when max is 0) and returns how many failed, which
 * may exceed max; 0 means valid as far as these checks go. HVDB_REASON_MAX
 * entries always suffice. Pure; any thread. */
HVDB_API size_t hvdb_conninfo_problems(const HV_CONNECTION_INFO *info,
				       enum hvdb_reason *out, size_t max);

/* Writes a multi-line human description (fields, flag meaning, problems,
 * as `hvdb decode` prints it) to (buf) of (size) bytes, NUL-terminated
 * and truncated like snprintf. Returns the length the whole text needs
 * (call with NULL, 0 to size a buffer), or -1 on an output error. The text
 * is for people: its layout may change. Pure; any thread. */
HVDB_API int hvdb_conninfo_describe(const HV_CONNECTION_INFO *info, char *buf,
				    size_t size);

/* ------------------------------------------------------------------ */
/* The hypervisor and its partitions.                                 */
/* ------------------------------------------------------------------ */

struct hvdb;

struct hvdb_config {
	uint32_t root_vp_count; /* VPs of the root partition, default 1 */
};

/* The most VPs the root may have: KVM_MAX_VCPUS on x86. Each root VP
 * costs 16 notification rings (about 5 KiB), so a bound keeps a careless
 * count from allocating gigabytes. */
#define HVDB_ROOT_VP_MAX 4096u

/* New hypervisor with the root partition (id 1, every privilege, 1 VP or
 * config->root_vp_count; 0 means 1) and its notification rings. (config)
 * may be NULL for defaults and is not kept. Returns the handle, owned by
 * the caller until hvdb_destroy(), or NULL with errno EINVAL when
 * root_vp_count is above HVDB_ROOT_VP_MAX, ENOMEM when out of memory.
 * Handles share nothing: any number may live in one process. */
HVDB_API struct hvdb *hvdb_create(const struct hvdb_config *config);
/* Disconnects every connection (running each backend's detach, so a VMM
 * destroys (hv) before the VMs whose ioeventfds it registered), deletes
 * every port and partition, waits for the RCU reclamation (hv) queued, if
 * any (liburcu's rcu_barrier, about 10 ms), and frees everything. NULL is a
 * no-op. No other call on (hv) may be running or start, including hvdb_write()
 * on vCPU threads and callbacks. Eventfds set on ports are not closed: they are
 * the caller's. */
HVDB_API void hvdb_destroy(struct hvdb *hv);

/* Waits until every hvdb_write() and callback that was running when it was
 * called has finished (an RCU grace period). Call it after clearing a
 * callback or eventfd, or after hvdb_port_disconnect(), before freeing what
 * the old one used. Must not be called from a port callback. */
HVDB_API void hvdb_synchronize(struct hvdb *hv);

struct hvdb_ram_range {
	hvdb_gpa_t start;
	uint64_t size;
};

struct hvdb_partition_config {
	uint64_t id;			  /* not 0, not HV_PARTITION_ID_SELF */
	uint32_t vp_count;		  /* >= 1 */
	uint32_t gpa_bits;		  /* 12..64, default 48 */
	uint64_t privileges;		  /* HV_PRIVILEGE_* mask, default 0 */
	const struct hvdb_ram_range *ram; /* copied */
	size_t ram_count;
	uint32_t connection_limit; /* default HVDB_DEFAULT_CONNECTION_LIMIT */
};

/* Fills all of (config) with the defaults for partition (id): 1 VP, 48 GPA
 * bits, no privileges, no RAM, HVDB_DEFAULT_CONNECTION_LIMIT. Pure. */
HVDB_API void hvdb_partition_config_init(struct hvdb_partition_config *config,
					 uint64_t id);
/* Creates a guest partition from (config), copying it (RAM ranges
 * included). (reason) may be NULL. In this order:
 *  HV_STATUS_INVALID_PARAMETER bad-partition-config: id 0 or
 *    HV_PARTITION_ID_SELF, vp_count 0 or HV_ANY_VP, gpa_bits outside
 *    12..64, ram NULL with ram_count > 0, a RAM range empty, past the GPA
 *    width or overlapping another;
 *  HV_STATUS_INVALID_PARTITION_ID partition-exists (the root, id 1,
 *    always exists);
 *  HV_STATUS_INSUFFICIENT_MEMORY out-of-memory.
 * Takes the handle's lock. Partitions live until hvdb_destroy(). */
HVDB_API HV_STATUS hvdb_partition_create(
	struct hvdb *hv, const struct hvdb_partition_config *config,
	enum hvdb_reason *reason);
/* Whether partition (id) exists (the root always does). Lock-free. */
HVDB_API bool hvdb_partition_exists(struct hvdb *hv, uint64_t id);

/* ------------------------------------------------------------------ */
/* The four port hypercalls, typed (SPEC §3).                         */
/* ------------------------------------------------------------------ */
/* (caller) is the calling partition: the root (HVDB_ROOT_PARTITION_ID) may
 * act on any partition; a guest only on itself (named by its id or
 * HV_PARTITION_ID_SELF) and only with the call's privilege. (in) is read,
 * not kept. (reason) may be NULL. Each returns HV_STATUS_SUCCESS (reason
 * HVDB_REASON_NONE) or the status of the first failing SPEC §3 check and
 * sets *reason; a refused call changes nothing. Each takes the handle's
 * lock; writes on other threads keep running meanwhile. */

/* HvCallCreatePort: a doorbell port (PortId) in the root partition,
 * notifying (TargetVp, TargetSint) and offered to ConnectionPartition
 * (0: any partition). Refusals, in order:
 *  HV_STATUS_ACCESS_DENIED no-create-port-privilege;
 *  HV_STATUS_INVALID_PARTITION_ID unknown-partition;
 *  HV_STATUS_INVALID_PORT_ID bad-port-id (bits 24-31 set), port-id-in-use;
 *  HV_STATUS_INVALID_PARAMETER unsupported-port-type (PortType != 4);
 *  HV_STATUS_ACCESS_DENIED doorbell-port-requires-root;
 *  HV_STATUS_INVALID_PARAMETER reserved-nonzero (ReservedZ, Padding, VTLs),
 *    bad-sint (TargetSint 0 or > 15);
 *  HV_STATUS_INVALID_VP_INDEX bad-vp (neither HV_ANY_VP nor a VP of the
 *    root);
 *  HV_STATUS_INSUFFICIENT_MEMORY out-of-memory.
 * The new port has no eventfd and no callback: set them before connecting
 * if a backend should see the eventfd. */
HVDB_API HV_STATUS hvdb_port_create(struct hvdb *hv, uint64_t caller,
				    const HV_INPUT_CREATE_PORT *in,
				    enum hvdb_reason *reason);
/* HvCallConnectPort: connection ConnectionId of ConnectionPartition,
 * triggered by the doorbell that ConnectionInfo describes, to port PortId
 * of the root. The partition's backend (if any) attaches the trigger
 * before the connection becomes visible to writes. Refusals, in order:
 *  HV_STATUS_ACCESS_DENIED no-connect-port-privilege;
 *  HV_STATUS_INVALID_PARTITION_ID unknown-partition;
 *  HV_STATUS_INVALID_CONNECTION_ID bad-connection-id (bits 24-31 set),
 *    connection-id-in-use;
 *  HV_STATUS_INVALID_PORT_ID unknown-port;
 *  HV_STATUS_ACCESS_DENIED port-not-offered;
 *  HV_STATUS_INVALID_PARAMETER port-type-mismatch, reserved-nonzero
 *    (Padding, VTL, reserved fields), reserved-flags, bad-trigger-size,
 *    value-too-wide, gpa-out-of-range, crosses-page, trigger-conflict
 *    (some write could match this and an existing connection, SPEC §4);
 *  HV_STATUS_INSUFFICIENT_MEMORY connection-limit, out-of-memory,
 *    backend-failure (the backend's attach returned an error). */
HVDB_API HV_STATUS hvdb_port_connect(struct hvdb *hv, uint64_t caller,
				     const HV_INPUT_CONNECT_PORT *in,
				     enum hvdb_reason *reason);
/* HvCallDisconnectPort: removes the connection and runs the backend's
 * detach. On return no write that starts later matches it and its id is
 * free; writes already running may still fire it once, and its memory is
 * reclaimed after they finish (RCU). Refusals, in order:
 *  HV_STATUS_ACCESS_DENIED no-connect-port-privilege;
 *  HV_STATUS_INVALID_PARTITION_ID unknown-partition;
 *  HV_STATUS_INVALID_PARAMETER reserved-nonzero (Flags bits 1-31; bit 0,
 *    IsDoorbell, may be 0 or 1);
 *  HV_STATUS_INVALID_CONNECTION_ID unknown-connection. */
HVDB_API HV_STATUS hvdb_port_disconnect(struct hvdb *hv, uint64_t caller,
					const HV_INPUT_DISCONNECT_PORT *in,
					enum hvdb_reason *reason);
/* HvCallDeletePort. Connections to the port stay (ids, triggers, conflicts,
 * backend attachment) but their writes are dropped (HVDB_WRITE_DROPPED)
 * until they are disconnected; a new port with the same id never gets
 * them back. The port's counters, eventfd and callback go with it.
 * Refusals, in order:
 *  HV_STATUS_ACCESS_DENIED no-create-port-privilege;
 *  HV_STATUS_INVALID_PARTITION_ID unknown-partition;
 *  HV_STATUS_INVALID_PARAMETER reserved-nonzero (Reserved);
 *  HV_STATUS_INVALID_PORT_ID unknown-port. */
HVDB_API HV_STATUS hvdb_port_delete(struct hvdb *hv, uint64_t caller,
				    const HV_INPUT_DELETE_PORT *in,
				    enum hvdb_reason *reason);

/* The same four calls from raw little-endian input bytes (the
 * HV_INPUT_* layouts of hvdef.h, as a guest puts them in its input page;
 * no alignment needed). Checked before any handler runs: unknown (code) →
 * HV_STATUS_INVALID_HYPERCALL_CODE unknown-hypercall-code; (len) not the
 * input size of that call → HV_STATUS_INVALID_HYPERCALL_INPUT
 * bad-input-length. Otherwise the result of the typed call. */
HVDB_API HV_STATUS hvdb_hypercall(struct hvdb *hv, uint64_t caller,
				  uint16_t code, const void *input, size_t len,
				  enum hvdb_reason *reason);

/* Input size in bytes of port call (code) (sizeof its HV_INPUT_* struct),
 * or 0 when (code) is not one of the four port calls. For front ends that
 * fetch the input from guest memory before calling hvdb_hypercall(). */
HVDB_API size_t hvdb_hypercall_input_size(uint16_t code);

/* ------------------------------------------------------------------ */
/* Writes and matching (SPEC §4). Lock-free; any thread.              */
/* ------------------------------------------------------------------ */

enum hvdb_write_result {
	HVDB_WRITE_MISS = 0,	/* matched nothing: ordinary MMIO/RAM write */
	HVDB_WRITE_FIRE = 1,	/* fired the port of out->connection_id */
	HVDB_WRITE_DROPPED = 2, /* matched a connection whose port is gone */
};

struct hvdb_write_outcome {
	HV_CONNECTION_ID connection_id;
	HV_PORT_ID port_id;
	uint64_t port_partition;
};

/* A guest write of (len) 1..8 bytes whose little-endian value is (value)
 * at (gpa) in (partition): what a VMM calls on an MMIO exit (or a write
 * fault on a doorbell page). Fires at most one connection: the port's
 * counter grows, its eventfd is signalled, its callback runs on this
 * thread, and its id is queued on the notification ring. Returns
 * HVDB_WRITE_FIRE, HVDB_WRITE_DROPPED (the port was deleted; nothing is
 * delivered) or HVDB_WRITE_MISS (no match, or no such partition: treat it
 * as an ordinary MMIO or RAM write), filling (out) unless NULL on a fire
 * or drop. -EINVAL when len is not 1..8 or value does not fit in len
 * bytes. Lock-free, allocation-free; any number of threads. */
HVDB_API int hvdb_write(struct hvdb *hv, uint64_t partition, hvdb_gpa_t gpa,
			unsigned len, uint64_t value,
			struct hvdb_write_outcome *out);
/* As hvdb_write, but only says what would happen: delivers nothing,
 * changes no counter, queues nothing. Same results; lock-free. */
HVDB_API int hvdb_match_lookup(struct hvdb *hv, uint64_t partition,
			       hvdb_gpa_t gpa, unsigned len, uint64_t value,
			       struct hvdb_write_outcome *out);

/* ------------------------------------------------------------------ */
/* Delivery: counters, eventfd, callback, notification rings.         */
/* ------------------------------------------------------------------ */

struct hvdb_port_stats {
	uint64_t triggers;  /* all fires: userspace + offloaded */
	uint64_t userspace; /* fires through hvdb_write */
	uint64_t offloaded; /* fires counted by hvdb_port_account_offloaded */
};

/* Copies the counters of live port (port_id) of the root partition to
 * (stats): 0, or -ENOENT when no such port (never created, or deleted).
 * Lock-free; counters read while writes run are each exact but not one
 * instant. */
HVDB_API int hvdb_port_stats(struct hvdb *hv, HV_PORT_ID port_id,
			     struct hvdb_port_stats *stats);

/* Eventfd signalled once per fire (fd -1 to clear). The caller owns fd and
 * keeps it open while set (libhvdb never closes it). Backends register
 * the eventfd a port has when a connection is made (hvdb_trigger.eventfd)
 * for in-kernel matching, so set it before connecting: connections made
 * earlier keep the old one in the backend. 0, or -ENOENT when no such
 * port. Takes the handle's lock. */
HVDB_API int hvdb_port_set_eventfd(struct hvdb *hv, HV_PORT_ID port_id, int fd);

typedef void (*hvdb_port_callback_fn)(void *opaque, HV_PORT_ID port_id,
				      HV_CONNECTION_ID connection_id);
/* Callback run on the firing thread for every fire (NULL to clear), with
 * (opaque), the port id and the firing connection's id
 * (HVDB_CONNECTION_ID_UNKNOWN for fires counted by
 * hvdb_port_account_offloaded()). It runs inside a lock-free read section
 * on a vCPU thread: keep it short, and do not call hvdb_destroy() from it.
 * A write already running when the callback is replaced may still call
 * the old one, so keep the old (opaque) valid until no write can be
 * running. 0, -ENOENT when no such port, -ENOMEM. Takes the handle's
 * lock. */
HVDB_API int hvdb_port_set_callback(struct hvdb *hv, HV_PORT_ID port_id,
				    hvdb_port_callback_fn fn, void *opaque);

/* Takes the oldest pending port id from the (vp, sint) ring of the root
 * partition (HVDB_RING_SLOTS slots; a port is queued at most once until
 * it is taken). Returns 1 and sets *port_id, 0 when empty, -EINVAL for a
 * vp not below the root's VP count or a sint above 15. HV_ANY_VP ports
 * queue on VP 0. An entry names the port it was queued for: one of a port
 * deleted since is dropped, never handed out as a new port with its id.
 * A fire queues its port before it signals the eventfd or runs the
 * callback, so a consumer they wake that drains the ring (pop until 0,
 * hvdb_ring_notify_empty, again until a pop after it gives 0) takes the
 * port. Lock-free; any number of threads. */
HVDB_API int hvdb_ring_pop(struct hvdb *hv, uint32_t vp, uint32_t sint,
			   HV_PORT_ID *port_id);
/* HvCallNotifyPortRingEmpty: the consumer drained the ring; ports held
 * back while it was full are queued now, oldest first, as many as fit.
 * 0, or -EINVAL for a bad vp or sint (as hvdb_ring_pop). Any thread;
 * notify-empty calls on one ring serialise on a lock of that ring, which
 * fires never take. */
HVDB_API int hvdb_ring_notify_empty(struct hvdb *hv, uint32_t vp,
				    uint32_t sint);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_HVDB_H */
