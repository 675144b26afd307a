/* fuzz_kvm.c - libhvdb-kvm's entry points (hvdb/kvm.h) on a real KVM VM.
 *
 * The input is a program: the attach options (policy, offload limit),
 * then ports (with or without an eventfd), connections of every shape at
 * a few GPAs, disconnects, port deletes, exit-path writes, accounting of
 * any eventfd, policy and limit changes, maintenance passes, path moves,
 * polls. After every step:
 * - hvdb_kvm_mmio_write gives what hvdb_match_lookup says the core does
 *   (fire, drop or miss, and which connection): the exit path is the
 *   core's semantics;
 * - every connection is on exactly one path (stats: offloaded + userspace
 *   = the partition's connections) and a connection on the exit path has
 *   no ioeventfd;
 * - account never reports more fires than the signals it was given.
 * At the end every connection is disconnected: the attachment then holds
 * no ioeventfd, and KVM has none left at any GPA the program offloaded
 * (a wildcard assign there succeeds): unregistering undid exactly what
 * registering did. A violation aborts, so libFuzzer keeps the input.
 *
 * Without a usable /dev/kvm every input is a no-op (said once).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>
#include <hvdb/kvm.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST 2u
#define PORTS 8
#define CONNS 16
#define GPAS 4
#define MAX_OPS 48

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			fprintf(stderr, "fuzz_kvm: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);             \
			fputc('\n', stderr);                      \
			abort();                                  \
		}                                                 \
	} while (0)

static int vm_fd = -2; /* -2 not tried, -1 none */

struct run {
	struct hvdb *hv;
	struct hvdb_kvm *k;
	int efd[PORTS];		 /* a port's eventfd, or -1 */
	bool offloaded[GPAS][5]; /* (gpa, length index) ever offloaded */
};

static const hvdb_gpa_t gpas[GPAS] = { 0xd0000000, 0xd0000004, 0xd0000008,
				       0xd0001000 };
static const uint32_t lens[5] = { 0, 1, 2, 4, 8 };

static int open_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int fd = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	if (kvm >= 0)
		close(kvm);
	if (fd < 0)
		fprintf(stderr, "fuzz_kvm: no usable /dev/kvm: inputs are "
				"no-ops\n");
	return fd < 0 ? -1 : fd;
}

static void port_op(struct run *r, struct fuzz_input *in, bool create)
{
	unsigned p = fuzz_u8(in) % PORTS;
	HV_INPUT_CREATE_PORT c = {
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = p + 1,
		.PortInfo.PortType = HvPortTypeDoorbell,
		.PortInfo.DoorbellPortInfo.TargetSint = 5,
		.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP,
	};
	HV_INPUT_DELETE_PORT d = { .PortPartition = HVDB_ROOT_PARTITION_ID,
				   .PortId = p + 1 };

	if (!create) {
		(void)hvdb_port_delete(r->hv, HVDB_ROOT_PARTITION_ID, &d, NULL);
		return;
	}
	if (hvdb_port_create(r->hv, HVDB_ROOT_PARTITION_ID, &c, NULL) ||
	    !(fuzz_u8(in) & 1))
		return;
	if (r->efd[p] < 0)
		r->efd[p] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	(void)hvdb_port_set_eventfd(r->hv, p + 1, r->efd[p]);
}

static void connect_op(struct run *r, struct fuzz_input *in)
{
	uint8_t shape = fuzz_u8(in);
	HV_INPUT_CONNECT_PORT c = {
		.ConnectionPartition = GUEST,
		.ConnectionId = 1 + fuzz_u8(in) % CONNS,
		.PortPartition = HVDB_ROOT_PARTITION_ID,
		.PortId = 1 + fuzz_u8(in) % PORTS,
		.ConnectionInfo.PortType = HvPortTypeDoorbell,
		.ConnectionInfo.DoorbellConnectionInfo = {
			.GuestPhysicalAddress = gpas[shape % GPAS],
			.TriggerValue = fuzz_u8(in) % 4,
			/* size code 0..4, sometimes ANY_VALUE */
			.Flags = (shape >> 2) % 5 |
				 (shape & 0x80 ? HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
					       : 0),
		},
	};

	(void)hvdb_port_connect(r->hv, HVDB_ROOT_PARTITION_ID, &c, NULL);
}

static void disconnect(struct run *r, HV_CONNECTION_ID id)
{
	HV_INPUT_DISCONNECT_PORT d = { .ConnectionPartition = GUEST,
				       .ConnectionId = id };

	(void)hvdb_port_disconnect(r->hv, HVDB_ROOT_PARTITION_ID, &d, NULL);
}

/* The exit path gives the core's answer. */
static void write_op(struct run *r, struct fuzz_input *in)
{
	hvdb_gpa_t gpa = gpas[fuzz_u8(in) % GPAS];
	uint32_t len = fuzz_u8(in) % 10;
	uint64_t value = fuzz_u8(in) % 4;
	struct hvdb_write_outcome want = { 0 }, got = { 0 };
	int w, g;

	if (len == 0 || len > 8) {
		CHECK(hvdb_kvm_mmio_write(r->k, gpa, &value, len, &got) ==
			      -EINVAL,
		      "len %u", len);
		return;
	}
	if (len < 8)
		value &= (1ull << (8 * len)) - 1;
	w = hvdb_match_lookup(r->hv, GUEST, gpa, len, value, &want);
	g = hvdb_kvm_mmio_write(r->k, gpa, &value, len, &got);
	CHECK(g == w, "write %#llx/%u: kvm %d, core %d",
	      (unsigned long long)gpa, len, g, w);
	CHECK(g == HVDB_WRITE_MISS || got.connection_id == want.connection_id,
	      "write %#llx/%u: connection %u, core %u", (unsigned long long)gpa,
	      len, got.connection_id, want.connection_id);
}

static void account_op(struct run *r, struct fuzz_input *in)
{
	uint8_t which = fuzz_u8(in);
	uint64_t count = fuzz_u8(in);
	int fd = which < PORTS ? r->efd[which] : (int)which - 200;
	int64_t fired = hvdb_kvm_account(r->k, fd, count);

	CHECK(fired == -ENOENT || (fired >= 0 && (uint64_t)fired <= count),
	      "account(%d, %llu) = %lld", fd, (unsigned long long)count,
	      (long long)fired);
}

struct conns {
	uint32_t n;
	HV_CONNECTION_ID id[CONNS];
	unsigned gpa[CONNS]; /* index into gpas[] */
	uint64_t flags[CONNS];
};

static int collect(void *opaque, const struct hvdb_connection_desc *d)
{
	struct conns *c = opaque;
	const uint64_t gpa =
		d->info.DoorbellConnectionInfo.GuestPhysicalAddress;

	CHECK(c->n < CONNS, "more than %u connections", CONNS);
	c->id[c->n] = d->id;
	for (c->gpa[c->n] = 0; gpas[c->gpa[c->n]] != gpa; c->gpa[c->n]++)
		CHECK(c->gpa[c->n] + 1 < GPAS, "gpa %#llx",
		      (unsigned long long)gpa);
	c->flags[c->n++] = d->info.DoorbellConnectionInfo.Flags;
	return 0;
}

/* The lengths KVM may hold for an offloaded connection of (flags). */
static void mark_offloaded(struct run *r, unsigned g, uint64_t flags)
{
	uint64_t size = flags & HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK;

	if (size)
		r->offloaded[g][size] = true; /* lens[size] == 1 << (size-1) */
	else if (flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE)
		r->offloaded[g][0] = true;
	else
		for (unsigned l = 1; l < 5; l++)
			r->offloaded[g][l] = true;
}

/* Every connection on exactly one path; the exit path holds nothing in
 * KVM. Records which (gpa, length) KVM may have been given. */
static void check_paths(struct run *r)
{
	struct hvdb_kvm_stats st = { .size = sizeof(st) };
	struct hvdb_kvm_connection c;
	struct conns all = { 0 };

	CHECK(hvdb_kvm_get_stats(r->k, &st) == 0, "stats");
	/* collected first: the walk holds the handle's lock */
	CHECK(hvdb_connection_foreach(r->hv, collect, &all) == 0, "walk");
	CHECK(st.offloaded + st.userspace == all.n,
	      "%u offloaded + %u userspace != %u connections", st.offloaded,
	      st.userspace, all.n);
	for (uint32_t i = 0; i < all.n; i++) {
		c = (struct hvdb_kvm_connection){ .size = sizeof(c) };
		CHECK(hvdb_kvm_connection_get(r->k, all.id[i], &c) == 0,
		      "connection %u unknown to the backend", all.id[i]);
		CHECK(c.path == HVDB_KVM_PATH_IOEVENTFD ||
			      (c.ioeventfds == 0 && c.eventfd == -1),
		      "connection %u on the exit path with %u ioeventfds",
		      all.id[i], c.ioeventfds);
		CHECK(c.path != HVDB_KVM_PATH_IOEVENTFD || c.ioeventfds,
		      "connection %u offloaded without ioeventfds", all.id[i]);
		if (c.path == HVDB_KVM_PATH_IOEVENTFD)
			mark_offloaded(r, all.gpa[i], all.flags[i]);
	}
}

/* KVM holds no ioeventfd at (gpa) of length (len): a wildcard assign
 * there succeeds (KVM refuses one beside any of the same length). */
static void check_kernel_clear(hvdb_gpa_t gpa, uint32_t len)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_ioeventfd io = { .addr = gpa, .len = len, .fd = efd };
	int rc = ioctl(vm_fd, KVM_IOEVENTFD, &io);

	/* EINVAL: this kernel has no length-0 ioeventfds */
	CHECK(rc == 0 || errno == EINVAL, "an ioeventfd left at %#llx/%u",
	      (unsigned long long)gpa, len);
	if (rc == 0) {
		io.flags = KVM_IOEVENTFD_FLAG_DEASSIGN;
		CHECK(ioctl(vm_fd, KVM_IOEVENTFD, &io) == 0, "probe deassign");
	}
	close(efd);
}

static void step(struct run *r, struct fuzz_input *in)
{
	switch (fuzz_u8(in) % 12) {
	case 0:
		port_op(r, in, true);
		break;
	case 1:
	case 2:
		connect_op(r, in);
		break;
	case 3:
		disconnect(r, 1 + fuzz_u8(in) % CONNS);
		break;
	case 4:
		port_op(r, in, false);
		break;
	case 5:
	case 6:
		write_op(r, in);
		break;
	case 7:
		account_op(r, in);
		break;
	case 8: {
		unsigned p = fuzz_u8(in) % 4; /* 3: not a policy */

		CHECK((hvdb_kvm_set_policy(r->k, (enum hvdb_kvm_policy)p) ==
		       0) == (p < 3),
		      "set_policy(%u)", p);
		break;
	}
	case 9:
		hvdb_kvm_set_offload_limit(r->k, fuzz_u8(in) % 4);
		break;
	case 10:
		CHECK(hvdb_kvm_maintain(r->k) >= 0, "maintain");
		break;
	default:
		(void)hvdb_kvm_set_path(r->k, 1 + fuzz_u8(in) % CONNS,
					(enum hvdb_kvm_path)(fuzz_u8(in) & 1));
		CHECK(hvdb_kvm_poll(r->k, NULL, NULL) >= 0, "poll");
		break;
	}
	check_paths(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	struct hvdb_partition_config pc;
	struct hvdb_kvm_options opts;
	struct run r = { .hv = NULL };
	uint8_t o;

	if (vm_fd == -2)
		vm_fd = open_vm();
	if (vm_fd < 0)
		return 0;
	for (unsigned p = 0; p < PORTS; p++)
		r.efd[p] = -1;
	r.hv = hvdb_create(NULL);
	hvdb_partition_config_init(&pc, GUEST);
	CHECK(r.hv && hvdb_partition_create(r.hv, &pc, NULL) == 0, "setup");
	hvdb_kvm_options_init(&opts);
	o = fuzz_u8(&in);
	opts.policy = (enum hvdb_kvm_policy)(o % 3);
	opts.offload_limit = o & 0x80 ? HVDB_KVM_NO_LIMIT : (o >> 2) % 4;
	CHECK(hvdb_kvm_attach(r.hv, GUEST, vm_fd, &opts, &r.k) == 0, "attach");
	for (unsigned n = 0; n < MAX_OPS && fuzz_more(&in); n++)
		step(&r, &in);
	for (HV_CONNECTION_ID id = 1; id <= CONNS; id++)
		disconnect(&r, id);
	check_paths(&r);
	{
		struct hvdb_kvm_stats st = { .size = sizeof(st) };

		CHECK(hvdb_kvm_get_stats(r.k, &st) == 0 && st.ioeventfds == 0,
		      "%u ioeventfds after every disconnect", st.ioeventfds);
	}
	for (unsigned g = 0; g < GPAS; g++)
		for (unsigned l = 0; l < 5; l++)
			if (r.offloaded[g][l])
				check_kernel_clear(gpas[g], lens[l]);
	hvdb_kvm_detach(r.k);
	hvdb_destroy(r.hv);
	for (unsigned p = 0; p < PORTS; p++)
		if (r.efd[p] >= 0)
			close(r.efd[p]);
	return 0;
}
