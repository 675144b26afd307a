/* kvm.h - libhvdb-kvm: the KVM fast path of hvdoorbell (SPEC §5) for a VM
 * that the caller's VMM created.
 *
 * hvdb_kvm_attach() makes libhvdb-kvm the backend of one hvdb guest
 * partition running on one KVM VM (the VMM's VM fd). From then on every
 * connection of the partition gets exactly the ioeventfds its trigger needs:
 *  - a size-specific trigger: one ioeventfd of that length;
 *  - SIZE_ANY with a value: one per length 1, 2, 4, 8 that the value fits;
 *  - ANY_VALUE: no datamatch;
 *  - SIZE_ANY + ANY_VALUE: one length-0 wildcard ioeventfd;
 * all signalling the port's eventfd (or one of the library's when the port
 * has none). What KVM refuses (an ioctl failure, fd exhaustion, no length-0
 * ioeventfds, the offload limit, the NONE policy) stays on the MMIO-exit
 * path with identical semantics: the VMM's KVM_EXIT_MMIO handler calls
 * hvdb_kvm_mmio_write() for every write. A doorbell on a page of guest RAM
 * makes that page read-only through the VMM's memory hook (struct
 * hvdb_kvm_memory_ops; hvdb_kvm_slots is a ready one) while connections
 * sit on it, so its writes exit as MMIO.
 *
 * The integration, in short:
 *   hvdb_kvm_options_init(&o);  o.memory = ...;
 *   hvdb_kvm_attach(hv, partition, vm_fd, &o, &k);
 *   ... hvdb_port_create / set_eventfd / connect as usual ...
 *   vCPU loop, KVM_EXIT_MMIO write:
 *     hvdb_kvm_mmio_write(k, gpa, run->mmio.data, len, NULL) == MISS
 *       -> ordinary MMIO or RAM, the VMM's business
 *   eventfd consumer: read(efd, &n) -> hvdb_kvm_account(k, efd, n)
 *   hvdb_kvm_detach(k); hvdb_destroy(hv); close(vm_fd);
 *
 * Threads: attach/detach/set_* and the backend work (run inside the
 * hvdb calls that connect, disconnect and delete) serialise on the
 * handle's lock and the attachment's own. hvdb_kvm_mmio_write() is
 * lock-free (it is hvdb_write()) and any number of vCPU threads may call
 * it at once. Results: 0 (or a count, or an enum hvdb_write_result) or a
 * negative errno. Nothing prints unless options.debug (or HVDB_DEBUG in the
 * environment) asks for a debug log on stderr.
 */
#ifndef HVDB_HVDB_KVM_H
#define HVDB_HVDB_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include <hvdb/backend.h>
#include <hvdb/hvdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One partition attached to one KVM VM. */
struct hvdb_kvm;

/* Which connections go to ioeventfds. New policies get new values; the
 * numbers of these never change. */
enum hvdb_kvm_policy {
	HVDB_KVM_OFFLOAD_ALL = 0,  /* every one KVM takes, up to the limit */
	HVDB_KVM_OFFLOAD_NONE = 1, /* none: every write exits to the VMM */
	/* Connections start on the exit path (connecting costs KVM nothing);
	 * hvdb_kvm_maintain() promotes those whose write rate proves them hot
	 * to ioeventfds and demotes cold ones, within the adaptive_* budget.
	 * Promoted connections signal an eventfd of the library's (never the
	 * port's): the VMM waits on hvdb_kvm_notify_fd() and calls
	 * hvdb_kvm_poll(), so every write is counted exactly once, in-kernel
	 * or on the exit path, while connections move. */
	HVDB_KVM_OFFLOAD_ADAPTIVE = 2,
};

/* Which path catches the writes of one connection. */
enum hvdb_kvm_path {
	HVDB_KVM_PATH_EXIT = 0,	     /* KVM_EXIT_MMIO, hvdb_kvm_mmio_write */
	HVDB_KVM_PATH_IOEVENTFD = 1, /* in-kernel ioeventfd(s) */
};

#define HVDB_KVM_NO_LIMIT UINT32_MAX

/* The VMM's memory slots, as far as RAM doorbells need them. */
struct hvdb_kvm_memory_ops {
	/* (readonly) true: from now on guest writes to the 4 KiB page at
	 * (page) (aligned) must exit as KVM_EXIT_MMIO (KVM_MEM_READONLY on
	 * the page, reads stay RAM); false: the page is ordinary RAM again.
	 * Called with the attachment's lock held, once per page on its first
	 * doorbell and once after its last (libhvdb-kvm counts). Returns 1
	 * when done, 0 when (page) is no guest RAM the VMM lets doorbells sit
	 * on (nothing to do: writes there exit as MMIO anyway, or the VMM
	 * keeps them), or -errno when it cannot (the connect is refused). */
	int (*set_page_readonly)(void *opaque, hvdb_gpa_t page, bool readonly);
};

struct hvdb_kvm_options {
	/* sizeof(struct hvdb_kvm_options) as the caller was built with
	 * (hvdb_kvm_options_init sets it): fields past it keep defaults. */
	uint32_t size;
	enum hvdb_kvm_policy policy; /* default HVDB_KVM_OFFLOAD_ALL */
	/* At most this many connections on ioeventfds (the rest on the exit
	 * path), under every policy; default HVDB_KVM_NO_LIMIT. */
	uint32_t offload_limit;
	bool debug; /* log fallbacks and page changes to stderr */
	/* RAM doorbells (may be NULL: then a doorbell on RAM is never made
	 * read-only and the VMM keeps that page's writes as RAM). Kept, not
	 * copied: must outlive the attachment. */
	const struct hvdb_kvm_memory_ops *memory;
	void *memory_opaque;
	/* HVDB_KVM_OFFLOAD_ADAPTIVE (0 takes the default): at most this many
	 * ioeventfds registered (default 256); promote a connection from
	 * this many writes/s (default 50: an exit costs tens of us more than
	 * the in-kernel path, a registration a few us and its deassign
	 * ~30-200 us, so a few writes repay it); spend at most this long in
	 * KVM_IOEVENTFD assigns per maintenance pass (default 2,000 us);
	 * demote a connection that had no write for this long (default
	 * 2,000 ms). */
	uint32_t adaptive_max_ioeventfds;
	uint32_t adaptive_promote_wps;
	uint32_t adaptive_pass_budget_us;
	uint32_t adaptive_idle_ms;
	uint64_t reserved[8]; /* zero */
};

/* Fills (options) with the defaults (and size). Pure. */
HVDB_API void hvdb_kvm_options_init(struct hvdb_kvm_options *options);

/* Attaches (partition) of (hv) to the KVM VM (vm_fd) (the VMM keeps it and
 * closes it after hvdb_kvm_detach): probes KVM_CAP_IOEVENTFD and
 * KVM_CAP_IOEVENTFD_ANY_LENGTH once and registers the backend on the
 * partition, which must have no connections and no backend yet.
 * (options) may be NULL for defaults and is copied. 0 and *out, or
 * -EINVAL (bad options: size 0 or above ours with non-zero extra bytes,
 * unknown policy, memory ops without set_page_readonly, vm_fd < 0),
 * -ENOENT no such partition, -EBUSY connections or a backend exist,
 * -ENOMEM. Takes the handle's lock. */
HVDB_API int hvdb_kvm_attach(struct hvdb *hv, uint64_t partition, int vm_fd,
			     const struct hvdb_kvm_options *options,
			     struct hvdb_kvm **out);

/* Removes everything the attachment put into KVM and the VMM's slots
 * (every ioeventfd, every read-only page; the connections stay, on the
 * plain exit path of hvdb_write) and frees it. Call it before closing the
 * VM fd. May be called before or after hvdb_destroy(hv) (which detaches
 * every connection itself). NULL is a no-op. No call on (kvm) may be
 * running or start. */
HVDB_API void hvdb_kvm_detach(struct hvdb_kvm *kvm);

/* Policy and limit for connections made from now on (existing ones keep
 * their path). 0, or -EINVAL for an unknown policy. */
HVDB_API int hvdb_kvm_set_policy(struct hvdb_kvm *kvm,
				 enum hvdb_kvm_policy policy);
HVDB_API void hvdb_kvm_set_offload_limit(struct hvdb_kvm *kvm, uint32_t limit);

/* The exit path: a guest write of (len) 1..8 bytes (data: the
 * little-endian bytes, e.g. run->mmio.data) at (gpa), which the VMM got as
 * KVM_EXIT_MMIO. Returns HVDB_WRITE_FIRE (delivered), HVDB_WRITE_DROPPED
 * (its connection's port was deleted: nothing to do), HVDB_WRITE_MISS (no
 * doorbell: the VMM handles it as ordinary MMIO, or as RAM when (gpa) is
 * guest RAM, e.g. on a page read-only for a RAM doorbell), filling (out)
 * unless NULL on a fire or drop; -EINVAL for a bad len. Lock-free,
 * allocation-free; any number of vCPU threads. */
HVDB_API int hvdb_kvm_mmio_write(struct hvdb_kvm *kvm, hvdb_gpa_t gpa,
				 const void *data, uint32_t len,
				 struct hvdb_write_outcome *out);

/* Accounts (count) signals that the VMM read from eventfd (eventfd) (a
 * port's eventfd, or one hvdb_kvm_connection_get() named), i.e. fires
 * that the kernel took without an exit: for the connections that signal
 * it, the port's counters, callback and ring (hvdb_port_account_offloaded),
 * or, when their port was deleted, dropped (SPEC §3 DeletePort). Returns
 * the number accounted as fires (the rest were dropped), or -ENOENT when
 * no offloaded connection of (kvm) signals (eventfd). A port's callback
 * runs on this thread, with the attachment's lock held: it must not
 * connect, disconnect or delete. */
HVDB_API int64_t hvdb_kvm_account(struct hvdb_kvm *kvm, int eventfd,
				  uint64_t count);

/* What the attachment did so far. (size) is IN: set it to sizeof(struct
 * hvdb_kvm_stats) as the caller knows it; the library fills that many
 * bytes. */
struct hvdb_kvm_stats {
	uint32_t size;
	uint32_t offloaded;  /* connections now on ioeventfds */
	uint32_t userspace;  /* connections now on the exit path */
	uint32_t ioeventfds; /* ioeventfds now registered */
	uint32_t ram_pages;  /* pages now read-only for RAM doorbells */
	uint32_t reserved0;
	uint64_t registrations;	  /* KVM_IOEVENTFD assigns done */
	uint64_t unregistrations; /* ... deassigns done */
	uint64_t register_ns;	  /* time spent in them */
	uint64_t unregister_ns;
	uint64_t refused; /* connections KVM refused (fallbacks, not policy) */
	uint64_t exit_fires, exit_drops, exit_misses; /* hvdb_kvm_mmio_write */
	uint64_t offloaded_fires, offloaded_drops;    /* account and poll */
	/* HVDB_KVM_OFFLOAD_ADAPTIVE: maintenance passes run, connections
	 * moved to ioeventfds and back (by passes or hvdb_kvm_set_path). */
	uint64_t passes, promotions, demotions;
};

/* Copies the counters into (stats) (stats->size bytes). 0, or -EINVAL
 * when stats->size is below offsetof(ram_pages) + 4. */
HVDB_API int hvdb_kvm_get_stats(struct hvdb_kvm *kvm,
				struct hvdb_kvm_stats *stats);

/* HVDB_KVM_OFFLOAD_ADAPTIVE: how often the VMM should call
 * hvdb_kvm_maintain(). A pass sooner than 10 ms after the previous one
 * does nothing. */
#define HVDB_KVM_MAINTAIN_PERIOD_MS 50u

/* One maintenance pass of the adaptive policy, off the write path: rates
 * since the previous pass (exits counted by hvdb_kvm_mmio_write, in-kernel
 * fires by hvdb_kvm_poll), then every demotion, then promotions while the
 * pass's time budget lasts. Deassigns run before assigns and passes are
 * HVDB_KVM_MAINTAIN_PERIOD_MS apart because a KVM deassign soon after an
 * assign waits out an SRCU grace period (~8 ms). Any thread; serialises
 * with connects and disconnects of the partition. The number of
 * connections moved, 0 under another policy, or -ENOMEM. */
HVDB_API int hvdb_kvm_maintain(struct hvdb_kvm *kvm);

/* A file descriptor (an epoll instance) that becomes readable when an
 * eventfd of the library's holds in-kernel fires; the VMM adds it to its
 * own poll set and calls hvdb_kvm_poll() then. Owned by (kvm). */
HVDB_API int hvdb_kvm_notify_fd(struct hvdb_kvm *kvm);

/* Called by hvdb_kvm_poll() once per eventfd read: (count) in-kernel
 * fires of connection (conn) of port (port), already counted (or
 * dropped, when the port was deleted). No lock held. */
typedef void (*hvdb_kvm_fired_fn)(void *opaque, HV_PORT_ID port,
				  HV_CONNECTION_ID conn, uint64_t count);

/* Reads every ready eventfd of the library's without blocking, accounts
 * what it holds to its connection (hvdb_port_account_offloaded: counter,
 * callback, ring), then calls (fn) (may be NULL). The signals read, or
 * -errno. Any thread. */
HVDB_API int64_t hvdb_kvm_poll(struct hvdb_kvm *kvm, hvdb_kvm_fired_fn fn,
			       void *opaque);

/* Moves connection (id) to (path) now, as a pass would (tests; a VMM that
 * knows a doorbell is hot). 0; -ENOENT no such connection; -EPERM to the
 * exit path when its ioeventfds signal the port's own eventfd (policy ALL:
 * in-kernel fires there cannot be told from exits) or when its port was
 * deleted (its writes are drops on the exit path); KVM's -errno when a
 * promotion is refused (the connection stays on the exit path, what KVM
 * took meanwhile counted). Serialises like hvdb_kvm_maintain(). */
HVDB_API int hvdb_kvm_set_path(struct hvdb_kvm *kvm, HV_CONNECTION_ID id,
			       enum hvdb_kvm_path path);

/* One connection as the backend holds it. (size) is IN, as for stats. */
struct hvdb_kvm_connection {
	uint32_t size;
	enum hvdb_kvm_path path;
	int eventfd; /* what its ioeventfds signal; -1 on the exit path */
	uint32_t ioeventfds;	  /* registered for it */
	bool ram_page;		  /* it holds its page read-only */
	bool port_deleted;	  /* its port was deleted: writes are dropped */
	uint64_t offloaded_fires; /* accounted to it alone (see below) */
	uint64_t offloaded_drops;
};

/* The connection (id) of the attached partition: 0, or -ENOENT. Offloaded
 * fires are counted on the connection when it is the only one signalling
 * its eventfd (a port with one connection, or a port without an eventfd);
 * otherwise on the port only. */
HVDB_API int hvdb_kvm_connection_get(struct hvdb_kvm *kvm, HV_CONNECTION_ID id,
				     struct hvdb_kvm_connection *out);

/* ------------------------------------------------------------------ */
/* hvdb_kvm_slots: a ready memory hook for a VMM that hands libhvdb-kvm  */
/* its RAM and a range of memory slot ids.                            */
/* ------------------------------------------------------------------ */

struct hvdb_kvm_slots;

/* A slot table for VM (vm_fd) that may use slot ids first..first+count-1
 * (count 0: every slot KVM_CAP_NR_MEMSLOTS offers from (first) on). 0 and
 * *out, or -EINVAL, -ENOMEM. */
HVDB_API int hvdb_kvm_slots_create(int vm_fd, uint32_t first, uint32_t count,
				   struct hvdb_kvm_slots **out);
/* Maps [gpa, gpa+size) (page-aligned) of guest RAM backed by (host)
 * (page-aligned, the caller's, kept mapped while the VM lives) with one
 * slot, splittable later for RAM doorbells unless (fixed). 0, -EINVAL
 * (unaligned, empty, overflow, overlap), -ENOSPC (no slot), -ENOMEM, or
 * the KVM_SET_USER_MEMORY_REGION error. */
HVDB_API int hvdb_kvm_slots_add(struct hvdb_kvm_slots *slots, hvdb_gpa_t gpa,
				uint64_t size, void *host, bool fixed);
/* The memory ops to put in hvdb_kvm_options.memory, with the slot table
 * as memory_opaque: a page of splittable RAM becomes its own
 * KVM_MEM_READONLY slot, the rest of its range ordinary slots around it.
 * While a range is remapped its accesses exit as MMIO: the VMM serves
 * them from (host) as for any RAM miss. */
HVDB_API const struct hvdb_kvm_memory_ops *hvdb_kvm_slots_ops(void);
/* True while the page of (gpa) is mapped read-only. */
HVDB_API bool hvdb_kvm_slots_page_is_readonly(struct hvdb_kvm_slots *slots,
					      hvdb_gpa_t gpa);
/* Frees the table (not the VMM's memory; the slots go with the VM fd).
 * NULL is a no-op. */
HVDB_API void hvdb_kvm_slots_destroy(struct hvdb_kvm_slots *slots);

#ifdef __cplusplus
}
#endif

#endif /* HVDB_HVDB_KVM_H */
