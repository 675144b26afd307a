/* test_stress.c - SPEC §5 under load: dispatcher threads write while a
 * controller connects, disconnects, deletes and re-creates ports.
 *
 * The one hard rule checked: after DisconnectPort (DeletePort) returns, no
 * write that *starts later* fires that connection (that port). Writes that
 * overlap the call may go either way, so the check is built on
 * generations:
 * - a churned connection's id carries its slot and generation
 *   ((slot + 1) << 20 | generation); after Disconnect of generation g returns,
 *   the controller publishes disconnected[slot] = g;
 * - a dispatcher reads disconnected[slot] *before* it starts a write; if
 *   the write then fires generation g <= that value, the write started
 *   after the Disconnect returned: a violation;
 * - ports likewise: each (re)creation of a churn port is a new instance;
 *   deleted[port] is published after DeletePort returns, and the instance
 *   a connection was attached to is recorded before it is connected.
 * Sequentially consistent atomics order "returned" before "read" before
 * "write starts". Stable connections (never touched) must fire on every
 * write, and their counts must come out exact: dispatcher tallies ==
 * callback tallies == the port's trigger counter.
 *
 * Runs STRESS_SECONDS (default 3, at most 30) seconds. Asserts no
 * timing: only counts and the rule above.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>

#define GUEST 2ull
#define DISPATCHERS 3
#define STABLE_PORT 1u
#define STABLE_CONNS 8
#define STABLE_GPA 0x100000ull
#define CHURN_PORTS 4
#define CHURN_PORT_BASE 10u
#define SLOTS 8
#define SLOT_GPA 0x200000ull
#define GEN_BITS 20
#define GEN_MASK ((1u << GEN_BITS) - 1)
/* Churned ids: slot + 1 above the generation (stable ids are 0..7). */
#define CHURN_ID(slot, gen) ((HV_CONNECTION_ID)((slot) + 1) << GEN_BITS | (gen))
#define INST_RING 4096

struct stress {
	struct hvdb *hv;
	atomic_bool stop;
	/* published by the controller after the call returned */
	atomic_uint_fast64_t disconnected[SLOTS];  /* last gone generation */
	atomic_uint_fast64_t deleted[CHURN_PORTS]; /* last gone instance */
	/* (generation << 32 | port index << 24 | instance), before connect */
	atomic_uint_fast64_t attached[SLOTS][INST_RING];
	atomic_uint_fast64_t stable_callbacks[STABLE_CONNS];
	atomic_uint_fast64_t violations;
	atomic_uint_fast64_t unverified; /* ring entry already reused */
	/* controller tallies */
	uint64_t connects, disconnects, deletes, creates, refused;
};

struct dispatcher {
	struct stress *s;
	unsigned seed;
	uint64_t writes, fires, drops, misses;
	uint64_t stable_fires[STABLE_CONNS];
	pthread_t thread;
};

static _Thread_local HV_CONNECTION_ID last_cb_conn;
static _Thread_local unsigned cb_calls;

static void on_fire(void *opaque, HV_PORT_ID port, HV_CONNECTION_ID conn)
{
	struct stress *s = opaque;

	last_cb_conn = conn;
	cb_calls++;
	if (port == STABLE_PORT && conn < STABLE_CONNS)
		atomic_fetch_add(&s->stable_callbacks[conn], 1);
}

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

__attribute__((format(printf, 2, 3))) static void
violation(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&s->violations, 1) < 10) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

static uint64_t gpa_of_slot(unsigned slot)
{
	return SLOT_GPA + 0x10ull * slot;
}

/* A churned write: any length and value at a slot's GPA. */
static void churn_write(struct dispatcher *d)
{
	struct stress *s = d->s;
	const unsigned slot = rnd(&d->seed) % SLOTS;
	const unsigned len = 1u << (rnd(&d->seed) % 4);
	const uint64_t value = rnd(&d->seed) & (len == 1 ? 0xFF : 0xFFFF);
	uint64_t gone_gen, gone_inst[CHURN_PORTS], rec;
	struct hvdb_write_outcome out = { 0 };
	unsigned gen, pidx;
	int r;

	/* read what is gone before the write starts */
	gone_gen = atomic_load(&s->disconnected[slot]);
	for (unsigned p = 0; p < CHURN_PORTS; p++)
		gone_inst[p] = atomic_load(&s->deleted[p]);
	cb_calls = 0;
	r = hvdb_write(s->hv, GUEST, gpa_of_slot(slot), len, value, &out);
	d->writes++;
	if (r == HVDB_WRITE_MISS) {
		d->misses++;
		return;
	}
	if (r != HVDB_WRITE_FIRE && r != HVDB_WRITE_DROPPED) {
		violation(s, "churn write returned %d", r);
		return;
	}
	if (out.connection_id >> GEN_BITS != slot + 1) {
		violation(s, "write at slot %u matched connection %#x", slot,
			  out.connection_id);
		return;
	}
	gen = out.connection_id & GEN_MASK;
	if (gen <= gone_gen)
		violation(s,
			  "slot %u generation %u %s after its disconnect "
			  "returned",
			  slot, gen,
			  r == HVDB_WRITE_FIRE ? "fired" : "matched");
	if (r == HVDB_WRITE_DROPPED) {
		d->drops++;
		if (cb_calls)
			violation(s, "a dropped write ran the callback");
		return;
	}
	d->fires++;
	if (cb_calls != 1 || last_cb_conn != out.connection_id)
		violation(s, "fire of %#x ran %u callbacks (last %#x)",
			  out.connection_id, cb_calls, last_cb_conn);
	pidx = out.port_id - CHURN_PORT_BASE;
	if (pidx >= CHURN_PORTS) {
		violation(s, "slot %u fired port %u", slot, out.port_id);
		return;
	}
	rec = atomic_load(&s->attached[slot][gen % INST_RING]);
	if (rec >> 32 != gen || ((rec >> 24) & 0xFF) != pidx) {
		atomic_fetch_add(&s->unverified, 1);
		return;
	}
	if ((rec & 0xFFFFFF) <= gone_inst[pidx])
		violation(s,
			  "port %u instance %llu fired after its delete "
			  "returned",
			  out.port_id, (unsigned long long)(rec & 0xFFFFFF));
}

/* A stable write: the right value fires its connection, another misses. */
static void stable_write(struct dispatcher *d)
{
	const unsigned i = rnd(&d->seed) % STABLE_CONNS;
	const bool hit = rnd(&d->seed) % 8;
	struct hvdb_write_outcome out = { 0 };
	int r;

	cb_calls = 0;
	r = hvdb_write(d->s->hv, GUEST, STABLE_GPA + 8 * i, 4,
		       hit ? i + 1 : i + 100, &out);
	d->writes++;
	if (!hit) {
		d->misses++;
		if (r != HVDB_WRITE_MISS)
			violation(d->s, "stable %u wrong value: %d", i, r);
		return;
	}
	if (r != HVDB_WRITE_FIRE || out.connection_id != i ||
	    out.port_id != STABLE_PORT || cb_calls != 1)
		violation(d->s,
			  "stable %u: result %d conn %u port %u, %u "
			  "callbacks",
			  i, r, out.connection_id, out.port_id, cb_calls);
	d->fires++;
	d->stable_fires[i]++;
}

static void *dispatch(void *arg)
{
	struct dispatcher *d = arg;

	while (!atomic_load_explicit(&d->s->stop, memory_order_relaxed)) {
		if (rnd(&d->seed) % 2)
			churn_write(d);
		else
			stable_write(d);
	}
	return NULL;
}

static HV_STATUS create_port(struct hvdb *hv, HV_PORT_ID id, void *opaque)
{
	HV_INPUT_CREATE_PORT in = { .PortPartition = 1, .PortId = id };
	HV_STATUS st;

	in.PortInfo.PortType = HvPortTypeDoorbell;
	in.PortInfo.DoorbellPortInfo.TargetSint = 5;
	in.PortInfo.DoorbellPortInfo.TargetVp = HV_ANY_VP;
	st = hvdb_port_create(hv, 1, &in, NULL);
	if (st == HV_STATUS_SUCCESS)
		assert_int_equal(
			hvdb_port_set_callback(hv, id, on_fire, opaque), 0);
	return st;
}

static HV_STATUS connect_to(struct hvdb *hv, HV_CONNECTION_ID id,
			    HV_PORT_ID port, uint64_t gpa, uint64_t flags,
			    uint64_t value)
{
	HV_INPUT_CONNECT_PORT in = { .ConnectionPartition = GUEST,
				     .ConnectionId = id,
				     .PortPartition = 1,
				     .PortId = port };

	in.ConnectionInfo.PortType = HvPortTypeDoorbell;
	in.ConnectionInfo.DoorbellConnectionInfo.GuestPhysicalAddress = gpa;
	in.ConnectionInfo.DoorbellConnectionInfo.Flags = flags;
	in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = value;
	return hvdb_port_connect(hv, 1, &in, NULL);
}

/* The controller must not leave the test through a cmocka assert while
 * dispatchers still run: it records the failure and the test stops. */
static void expect(struct stress *s, HV_STATUS got, HV_STATUS want, int line)
{
	if (got == want)
		return;
	violation(s, "controller line %d: %s, want %s", line,
		  hvdb_status_name(got), hvdb_status_name(want));
	atomic_store(&s->stop, true);
}

struct controller {
	unsigned gen[SLOTS]; /* current generation, 0 = never */
	bool connected[SLOTS];
	uint64_t inst[CHURN_PORTS]; /* current instance */
	bool live[CHURN_PORTS];
	unsigned seed;
};

static void control_step(struct stress *s, struct controller *c)
{
	const unsigned slot = rnd(&c->seed) % SLOTS;
	const unsigned p = rnd(&c->seed) % CHURN_PORTS;
	const HV_PORT_ID port = CHURN_PORT_BASE + p;
	HV_INPUT_DISCONNECT_PORT dis = { .ConnectionPartition = GUEST };
	HV_INPUT_DELETE_PORT del = { .PortPartition = 1, .PortId = port };
	HV_CONNECTION_ID id;
	unsigned g;

	switch (rnd(&c->seed) % 4) {
	case 0: /* connect the slot to port p, if both allow */
		if (c->connected[slot] || !c->live[p] ||
		    c->gen[slot] == GEN_MASK)
			return;
		g = ++c->gen[slot];
		id = CHURN_ID(slot, g);
		atomic_store(&s->attached[slot][g % INST_RING],
			     (uint64_t)g << 32 | (uint64_t)p << 24 |
				     c->inst[p]);
		expect(s,
		       connect_to(s->hv, id, port, gpa_of_slot(slot),
				  HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE, 0),
		       HV_STATUS_SUCCESS, __LINE__);
		c->connected[slot] = true;
		s->connects++;
		/* a second trigger on the same GPA always conflicts */
		expect(s,
		       connect_to(s->hv, id ^ 1, port, gpa_of_slot(slot), 1, 0),
		       HV_STATUS_INVALID_PARAMETER, __LINE__);
		s->refused++;
		return;
	case 1:
		if (!c->connected[slot])
			return;
		dis.ConnectionId = CHURN_ID(slot, c->gen[slot]);
		expect(s, hvdb_port_disconnect(s->hv, 1, &dis, NULL),
		       HV_STATUS_SUCCESS, __LINE__);
		atomic_store(&s->disconnected[slot], c->gen[slot]);
		c->connected[slot] = false;
		s->disconnects++;
		return;
	case 2:
		if (!c->live[p])
			return;
		expect(s, hvdb_port_delete(s->hv, 1, &del, NULL),
		       HV_STATUS_SUCCESS, __LINE__);
		atomic_store(&s->deleted[p], c->inst[p]);
		c->live[p] = false;
		s->deletes++;
		return;
	default:
		if (c->live[p])
			return;
		c->inst[p]++;
		expect(s, create_port(s->hv, port, s), HV_STATUS_SUCCESS,
		       __LINE__);
		c->live[p] = true;
		s->creates++;
		return;
	}
}

static unsigned stress_seconds(void)
{
	const char *env = getenv("STRESS_SECONDS");
	long v = env ? strtol(env, NULL, 10) : 3;

	return v < 1 ? 1 : v > 30 ? 30 : (unsigned)v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_port(void *opaque, const struct hvdb_port_desc *d)
{
	(void)d;
	++*(int *)opaque;
	return 0;
}

/* SPEC §5: writes race Connect/Disconnect/DeletePort; nothing fires after
 * its Disconnect or DeletePort returned; stable counts are exact. */
static void writes_race_churn(void **state)
{
	static struct stress s; /* big: keep it off the stack */
	static struct dispatcher d[DISPATCHERS];
	struct controller c = { .seed = 12345 };
	struct hvdb_partition_config pc;
	struct hvdb_port_stats stats;
	const double end = now() + stress_seconds();
	uint64_t writes = 0, fires = 0, drops = 0, stable_total = 0;
	int ports = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.hv = hvdb_create(NULL);
	assert_non_null(s.hv);
	hvdb_partition_config_init(&pc, GUEST);
	assert_int_equal(hvdb_partition_create(s.hv, &pc, NULL), 0);
	assert_int_equal(create_port(s.hv, STABLE_PORT, &s), 0);
	for (unsigned i = 0; i < STABLE_CONNS; i++)
		assert_int_equal(
			connect_to(s.hv, i, STABLE_PORT, STABLE_GPA + 8 * i,
				   HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD, i + 1),
			HV_STATUS_SUCCESS);
	for (unsigned p = 0; p < CHURN_PORTS; p++) {
		c.inst[p] = 1;
		c.live[p] = true;
		assert_int_equal(create_port(s.hv, CHURN_PORT_BASE + p, &s), 0);
	}

	for (unsigned i = 0; i < DISPATCHERS; i++) {
		d[i] = (struct dispatcher){ .s = &s, .seed = 777 + i };
		assert_int_equal(
			pthread_create(&d[i].thread, NULL, dispatch, &d[i]), 0);
	}
	while (now() < end && !atomic_load(&s.stop))
		for (int k = 0; k < 64; k++)
			control_step(&s, &c);
	atomic_store(&s.stop, true);
	for (unsigned i = 0; i < DISPATCHERS; i++)
		assert_int_equal(pthread_join(d[i].thread, NULL), 0);

	/* exact counts of the stable connections */
	for (unsigned k = 0; k < STABLE_CONNS; k++) {
		uint64_t sum = 0;

		for (unsigned i = 0; i < DISPATCHERS; i++)
			sum += d[i].stable_fires[k];
		assert_int_equal(sum, atomic_load(&s.stable_callbacks[k]));
		stable_total += sum;
	}
	assert_int_equal(hvdb_port_stats(s.hv, STABLE_PORT, &stats), 0);
	assert_int_equal(stats.triggers, stable_total);
	assert_int_equal(stats.userspace, stable_total);
	for (unsigned i = 0; i < DISPATCHERS; i++) {
		writes += d[i].writes;
		fires += d[i].fires;
		drops += d[i].drops;
	}
	assert_int_equal(hvdb_port_foreach(s.hv, count_port, &ports), 0);
	printf("stress: %u s, %d dispatchers: %llu writes (%llu fires, %llu "
	       "dropped), %llu connects, %llu disconnects, %llu port deletes, "
	       "%llu port creates, %llu refused connects, %llu fires not "
	       "verifiable, %llu violations\n",
	       stress_seconds(), DISPATCHERS, (unsigned long long)writes,
	       (unsigned long long)fires, (unsigned long long)drops,
	       (unsigned long long)s.connects,
	       (unsigned long long)s.disconnects, (unsigned long long)s.deletes,
	       (unsigned long long)s.creates, (unsigned long long)s.refused,
	       (unsigned long long)atomic_load(&s.unverified),
	       (unsigned long long)atomic_load(&s.violations));
	assert_int_equal(atomic_load(&s.violations), 0);
	/* the churn really happened, on both sides */
	assert_true(s.disconnects > 0 && s.deletes > 0 && fires > 0 &&
		    stable_total > 0);
	assert_true(ports >= 1);
	hvdb_destroy(s.hv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writes_race_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
