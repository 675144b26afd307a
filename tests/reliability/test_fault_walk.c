/* test_fault_walk.c - SQLite-style fault walk (STYLE 19) over scripted
 * scenarios.
 *
 * For n = 1, 2, ... each script runs on a fresh hypervisor; before every
 * call hvdb_fault_arm(hv, n) makes the call's n-th fault point fail. When
 * a call hit its n-th point (hvdb_fault_count(hv) >= n):
 * - it must refuse with HV_STATUS_INSUFFICIENT_MEMORY (or -ENOMEM);
 * - the state must be exactly as before the call (foreach rendering);
 * - the same call, disarmed, must then give its normal result, and the
 *   rest of the script goes on.
 * Calls that did not reach an n-th point must give their normal result.
 * The walk of a script ends with the first n at which no call hit a
 * fault. Leaks of the unwinding paths show in the ASan/LSan and valgrind
 * runs of this test (.ci/sanitizers.sh).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hvdb/hvdb.h>
#include <hvdb/backend.h>
#include <hvdb/testing.h>

#include "state_digest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum step_kind {
	PARTITION,  /* a = id, b = RAM ranges (0..2), c = privileges */
	BACKEND,    /* a = partition: the counting backend below */
	PORT,	    /* a = port id, b = connection partition */
	CONNECT,    /* a = partition, b = connection id, c = port, gpa, flags */
	DISCONNECT, /* a = partition, b = connection id */
	DELETE,	    /* a = port id */
	RAW_CONNECT, /* as CONNECT, through hvdb_hypercall */
};

struct step {
	enum step_kind kind;
	uint64_t a, b, c;
	uint64_t gpa, flags, value;
	HV_STATUS want; /* the result without faults */
};

/* A backend that keeps count, to prove a refused connect leaves nothing
 * attached and a disconnect detaches exactly what was attached. */
struct counting_backend {
	int attached;
	bool registered;
};

static int cb_attach(void *opaque, const struct hvdb_trigger *t, void **cookie)
{
	struct counting_backend *b = opaque;

	b->attached++;
	*cookie = (void *)(uintptr_t)(t->connection_id + 1);
	return 0;
}

static void cb_detach(void *opaque, const struct hvdb_trigger *t, void *cookie)
{
	struct counting_backend *b = opaque;

	assert_int_equal((uintptr_t)cookie, t->connection_id + 1);
	b->attached--;
}

static const struct hvdb_backend_ops counting_ops = {
	.attach = cb_attach,
	.detach = cb_detach,
};

/* Runs one step; an HV_STATUS, or for the int-returning calls 0 or an
 * -errno folded into HV_STATUS_INSUFFICIENT_MEMORY for -ENOMEM. */
static HV_STATUS run_step(struct hvdb *hv, const struct step *s,
			  struct counting_backend *backend)
{
	static const struct hvdb_ram_range ram[2] = {
		{ 0x0, 0x100000 }, { 0x40000000, 0x200000 }
	};
	struct hvdb_partition_config pc;
	HV_INPUT_CREATE_PORT port = { .PortPartition = 1 };
	HV_INPUT_CONNECT_PORT conn = { .PortPartition = 1 };
	HV_INPUT_DISCONNECT_PORT dis = { 0 };
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1 };
	int rc;

	switch (s->kind) {
	case PARTITION:
		hvdb_partition_config_init(&pc, s->a);
		pc.ram = ram;
		pc.ram_count = s->b;
		pc.privileges = s->c;
		return hvdb_partition_create(hv, &pc, NULL);
	case BACKEND:
		rc = hvdb_partition_set_backend(hv, s->a, &counting_ops,
						backend);
		backend->registered |= rc == 0;
		return rc == 0	       ? HV_STATUS_SUCCESS
		       : rc == -ENOMEM ? HV_STATUS_INSUFFICIENT_MEMORY
				       : HV_STATUS_INVALID_PARAMETER;
	case PORT:
		port.PortId = (HV_PORT_ID)s->a;
		port.ConnectionPartition = s->b;
		port.PortInfo.PortType = HvPortTypeDoorbell;
		port.PortInfo.DoorbellPortInfo.TargetSint = 5;
		port.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP;
		return hvdb_port_create(hv, 1, &port, NULL);
	case CONNECT:
	case RAW_CONNECT:
		conn.ConnectionPartition = s->a;
		conn.ConnectionId = (HV_CONNECTION_ID)s->b;
		conn.PortId = (HV_PORT_ID)s->c;
		conn.ConnectionInfo.PortType = HvPortTypeDoorbell;
		conn.ConnectionInfo.DoorbellConnectionInfo
			.GuestPhysicalAddress = s->gpa;
		conn.ConnectionInfo.DoorbellConnectionInfo.Flags = s->flags;
		conn.ConnectionInfo.DoorbellConnectionInfo.TriggerValue =
			s->value;
		if (s->kind == RAW_CONNECT)
			return hvdb_hypercall(hv, 1, HVCALL_CONNECT_PORT, &conn,
					      sizeof(conn), NULL);
		return hvdb_port_connect(hv, 1, &conn, NULL);
	case DISCONNECT:
		dis.ConnectionPartition = s->a;
		dis.ConnectionId = (HV_CONNECTION_ID)s->b;
		return hvdb_port_disconnect(hv, 1, &dis, NULL);
	case DELETE:
		del.PortId = (HV_PORT_ID)s->a;
		return hvdb_port_delete(hv, 1, &del, NULL);
	}
	return 0xFFFF;
}

#define DW HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD
#define ANY_ANY HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
#define OK HV_STATUS_SUCCESS

/* Partitions with and without RAM, ports, connections (typed and raw),
 * a deleted port whose connections drain, refusals that must not reach a
 * fault point. */
static const struct step lifecycle[] = {
	{ PARTITION, 2, 2, 0, .want = OK },
	{ PARTITION, 3, 0, HV_PRIVILEGE_CONNECT_PORT, .want = OK },
	{ PARTITION, 2, 0, 0, .want = HV_STATUS_INVALID_PARTITION_ID },
	{ PORT, 1, 0, .want = OK },
	{ PORT, 2, 3, .want = OK },
	{ PORT, 2, 0, .want = HV_STATUS_INVALID_PORT_ID },
	{ CONNECT, 2, 1, 1, 0x1000, DW, 1, OK },
	{ CONNECT, 2, 2, 1, 0x1000, DW, 2, OK },
	{ CONNECT, 2, 3, 1, 0x1000, 0, 1, HV_STATUS_INVALID_PARAMETER },
	{ RAW_CONNECT, 2, 4, 1, 0x2000, ANY_ANY, 0, OK },
	{ RAW_CONNECT, 3, 1, 2, 0x3000, 1, 0x7F, OK },
	{ CONNECT, 3, 2, 1, 0x3FFF, DW, 0, HV_STATUS_INVALID_PARAMETER },
	{ DISCONNECT, 2, 1, .want = OK },
	{ DELETE, 1, .want = OK },
	{ CONNECT, 2, 5, 1, 0x5000, DW, 0, HV_STATUS_INVALID_PORT_ID },
	{ PORT, 1, 0, .want = OK },
	{ CONNECT, 2, 1, 1, 0x1000, DW, 1, OK },
	{ DISCONNECT, 2, 2, .want = OK },
	{ DISCONNECT, 2, 4, .want = OK },
	{ DELETE, 2, .want = OK },
	{ DISCONNECT, 3, 1, .want = OK },
	{ DISCONNECT, 3, 1, .want = HV_STATUS_INVALID_CONNECTION_ID },
};

/* A partition with a backend: the attach fault point, and attach and
 * detach staying paired through every failure. */
static const struct step backend[] = {
	{ PARTITION, 2, 1, 0, .want = OK },
	{ BACKEND, 2, .want = OK },
	{ PORT, 7, 2, .want = OK },
	{ CONNECT, 2, 1, 7, 0x1000, DW, 1, OK },
	{ CONNECT, 2, 2, 7, 0x1008, ANY_ANY, 0, OK },
	{ RAW_CONNECT, 2, 3, 7, 0x2000, 2, 0xBEEF, OK },
	{ DELETE, 7, .want = OK },
	{ DISCONNECT, 2, 2, .want = OK },
	{ DISCONNECT, 2, 1, .want = OK },
	{ DISCONNECT, 2, 3, .want = OK },
};

struct script {
	const char *name;
	const struct step *steps;
	size_t count;
};

static int count_connections(void *opaque, const struct hvdb_connection_desc *d)
{
	(void)d;
	++*(int *)opaque;
	return 0;
}

/* One pass at fault depth (n); returns how many calls hit their n-th
 * fault point (each is one injected fault). */
static unsigned run_at_depth(const struct script *sc, uint64_t n)
{
	struct counting_backend be = { 0 };
	struct state_digest before, after;
	struct hvdb *hv = hvdb_create(NULL);
	unsigned hits = 0;
	int conns = 0;

	assert_non_null(hv);
	for (size_t i = 0; i < sc->count; i++) {
		const struct step *s = &sc->steps[i];
		HV_STATUS got;
		bool hit;

		assert_true(state_digest_take(hv, &before));
		hvdb_fault_arm(hv, n);
		got = run_step(hv, s, &be);
		hit = hvdb_fault_count(hv) >= n;
		hvdb_fault_arm(hv, 0);
		if (hit) {
			hits++;
			if (got != HV_STATUS_INSUFFICIENT_MEMORY)
				fail_msg("%s step %zu, fault %llu: %s, want "
					 "HV_STATUS_INSUFFICIENT_MEMORY",
					 sc->name, i, (unsigned long long)n,
					 hvdb_status_name(got));
			assert_true(state_digest_take(hv, &after));
			if (!state_digest_equal(&before, &after))
				fail_msg("%s step %zu, fault %llu: the failed "
					 "call changed the state",
					 sc->name, i, (unsigned long long)n);
			state_digest_free(&after);
			/* later calls work: the same one, disarmed */
			got = run_step(hv, s, &be);
		}
		if (got != s->want)
			fail_msg(
				"%s step %zu (fault depth %llu%s): %s, want %s",
				sc->name, i, (unsigned long long)n,
				hit ? ", retried" : "", hvdb_status_name(got),
				hvdb_status_name(s->want));
		state_digest_free(&before);
	}
	/* the backend holds exactly the live connections */
	assert_int_equal(hvdb_connection_foreach(hv, count_connections, &conns),
			 0);
	if (be.registered)
		assert_int_equal(be.attached, conns);
	hvdb_destroy(hv);
	return hits;
}

static uint64_t total_injected;

static void walk(const struct script *sc)
{
	uint64_t n, injected = 0;
	unsigned hits;

	for (n = 1;; n++) {
		hits = run_at_depth(sc, n);
		if (hits == 0)
			break;
		injected += hits;
	}
	/* every script passes at least one fault point */
	assert_true(injected > 0);
	printf("fault walk %s: %zu calls, %llu faults injected, deepest "
	       "call has %llu fault points\n",
	       sc->name, sc->count, (unsigned long long)injected,
	       (unsigned long long)(n - 1));
	total_injected += injected;
}

/* STYLE 19: every fault point of the lifecycle script fails in turn. */
static void walk_lifecycle(void **state)
{
	const struct script sc = { "lifecycle", lifecycle,
				   ARRAY_SIZE(lifecycle) };

	(void)state;
	walk(&sc);
}

/* STYLE 19: the backend-attach point and allocations around it. */
static void walk_backend(void **state)
{
	const struct script sc = { "backend", backend, ARRAY_SIZE(backend) };

	(void)state;
	walk(&sc);
}

/* Many connections: index growth and shrinking under every fault. */
static void walk_growth(void **state)
{
	struct step steps[2 + 2 * 48];
	const struct script sc = { "growth", steps, ARRAY_SIZE(steps) };
	size_t k = 0;

	(void)state;
	steps[k++] = (struct step){ PARTITION, 2, 0, 0, .want = OK };
	steps[k++] = (struct step){ PORT, 1, 0, .want = OK };
	for (unsigned i = 0; i < 48; i++)
		steps[k++] = (struct step){
			i % 3 ? CONNECT : RAW_CONNECT, 2,  i, 1,
			0x10000 + 0x10ull * i,	       DW, i, OK
		};
	for (unsigned i = 0; i < 48; i++)
		steps[k++] = (struct step){ DISCONNECT, 2, (i * 7) % 48,
					    .want = OK };
	walk(&sc);
	printf("fault walk: %llu faults injected in all\n",
	       (unsigned long long)total_injected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_lifecycle),
		cmocka_unit_test(walk_backend),
		cmocka_unit_test(walk_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
