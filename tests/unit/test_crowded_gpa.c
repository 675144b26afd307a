/* test_crowded_gpa.c - issue 14's finding "one guest can slow every
 * partition": many value-distinct doorbells at one GPA (how virtio-pci puts
 * every queue's notify at one address) are legal (SPEC §4), and the index
 * keeps them apart by value. These tests check that a crowded GPA still
 * matches, conflicts and disconnects exactly as SPEC §4 and §3 say, with a
 * big crowd, with every mix of sizes and values against the rule itself,
 * and through allocation failures. Timing is the bench's job
 * (`hvdb bench`, match section, crowded GPA). */
#include <pthread.h>
#include <stdatomic.h>

#include "helpers.h"

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s
#define ANY_VALUE HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE
/* Every DWORD doorbell of the big crowd: values 0 .. CROWD - 1, as
 * virtio-pci notifies write queue indexes. */
#define CROWD 65536u
#define CROWD_ID(v) ((HV_CONNECTION_ID)(v) + 1)
/* Ids above the crowd's, for connections a test adds beside it. */
#define EXTRA_ID (CROWD_ID(CROWD) + 1)
/* The value-specific doorbells a crowd's first value table holds (3/4 of
 * its 16 slots): the next one rebuilds it. */
#define CROWD_TABLE_ROOM 12u
/* The port offered to OTHER_GUEST_ID. */
#define OTHER_PORT_ID 2u

static void connect_crowd(struct guest *g, unsigned from, unsigned to)
{
	for (unsigned v = from; v < to; v++)
		connect_port(g, CROWD_ID(v), PORT_ID, DOORBELL_GPA,
			     SIZE_(DWORD), v);
}

/* Root's ConnectPort of (id) in (partition) at DOORBELL_GPA: its status
 * must be (want_status, want_reason). */
static void try_at_crowd(struct guest *g, uint64_t partition,
			 HV_CONNECTION_ID id, uint64_t flags, uint64_t value,
			 HV_STATUS want_status, const char *want_reason)
{
	HV_INPUT_CONNECT_PORT in = connect_port_input(
		g, id, partition == GUEST_ID ? PORT_ID : OTHER_PORT_ID,
		DOORBELL_GPA);
	enum hvdb_reason reason;

	in.ConnectionPartition = partition;
	in.ConnectionInfo.DoorbellConnectionInfo.Flags = flags;
	in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = value;
	assert_status(try_connect_port(g, ROOT_ID, &in, &reason), reason,
		      want_status, want_reason);
}

/* SPEC §4 with 65,536 DWORD doorbells at one GPA: each value fires its
 * own connection, other values and sizes miss, every trigger a write
 * could share with the crowd conflicts (§3 Connect 13) and the others do
 * not, another partition's same GPA is its own, and disconnects leave
 * exactly the rest. */
static void test_crowded_gpa_big_crowd(void **state)
{
	HV_INPUT_CREATE_PORT other_port;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	guest_add(&g, OTHER_GUEST_ID, 0);
	port_create(&g, PORT_ID);
	other_port = create_port_input(&g, OTHER_PORT_ID);
	other_port.ConnectionPartition = OTHER_GUEST_ID;
	port_create_in(&g, ROOT_ID, &other_port);
	connect_crowd(&g, 0, CROWD);
	for (unsigned v = 0; v < CROWD; v++)
		assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, v, HVDB_WRITE_FIRE,
			     CROWD_ID(v));
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, CROWD, HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 2, 7, HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 8, 7, HVDB_WRITE_MISS, 0);
	assert_write(&g, GUEST_ID, DOORBELL_GPA + 4, 4, 7, HVDB_WRITE_MISS, 0);
	assert_write(&g, OTHER_GUEST_ID, DOORBELL_GPA, 4, 7, HVDB_WRITE_MISS,
		     0);

	/* §4: a DWORD write of 100 would match both */
	try_at_crowd(&g, GUEST_ID, EXTRA_ID, SIZE_(DWORD), 100,
		     HV_STATUS_INVALID_PARAMETER, "trigger-conflict");
	try_at_crowd(&g, GUEST_ID, EXTRA_ID, SIZE_(DWORD) | ANY_VALUE, 0,
		     HV_STATUS_INVALID_PARAMETER, "trigger-conflict");
	try_at_crowd(&g, GUEST_ID, EXTRA_ID, SIZE_(ANY), 100,
		     HV_STATUS_INVALID_PARAMETER, "trigger-conflict");
	try_at_crowd(&g, GUEST_ID, EXTRA_ID, ANY_SIZE_ANY_VALUE, 0,
		     HV_STATUS_INVALID_PARAMETER, "trigger-conflict");
	/* no DWORD member carries CROWD, and none is 1, 2 or 8 bytes */
	try_at_crowd(&g, GUEST_ID, EXTRA_ID, SIZE_(ANY), CROWD,
		     HV_STATUS_SUCCESS, "ok");
	try_at_crowd(&g, GUEST_ID, EXTRA_ID + 1, SIZE_(QWORD) | ANY_VALUE, 0,
		     HV_STATUS_INVALID_PARAMETER, "trigger-conflict");
	disconnect_port(&g, EXTRA_ID);
	try_at_crowd(&g, GUEST_ID, EXTRA_ID + 1, SIZE_(QWORD) | ANY_VALUE, 0,
		     HV_STATUS_SUCCESS, "ok");
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 8, 100, HVDB_WRITE_FIRE,
		     EXTRA_ID + 1);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 100, HVDB_WRITE_FIRE,
		     CROWD_ID(100));
	disconnect_port(&g, EXTRA_ID + 1);
	/* another partition's GPA of the same number is another doorbell */
	try_at_crowd(&g, OTHER_GUEST_ID, CROWD_ID(7), SIZE_(DWORD), 7,
		     HV_STATUS_SUCCESS, "ok");
	assert_write(&g, OTHER_GUEST_ID, DOORBELL_GPA, 4, 7, HVDB_WRITE_FIRE,
		     CROWD_ID(7));
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 7, HVDB_WRITE_FIRE,
		     CROWD_ID(7));

	/* §3 DisconnectPort: every odd value goes, then all but value 0 */
	for (unsigned v = 1; v < CROWD; v += 2)
		disconnect_port(&g, CROWD_ID(v));
	for (unsigned v = 0; v < CROWD; v++)
		assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, v,
			     v % 2 ? HVDB_WRITE_MISS : HVDB_WRITE_FIRE,
			     CROWD_ID(v));
	for (unsigned v = 2; v < CROWD; v += 2)
		disconnect_port(&g, CROWD_ID(v));
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 0, HVDB_WRITE_FIRE,
		     CROWD_ID(0));
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 2, HVDB_WRITE_MISS, 0);
	/* alone again: the GPA takes any trigger but one matching value 0 */
	try_at_crowd(&g, GUEST_ID, EXTRA_ID, SIZE_(ANY), 0,
		     HV_STATUS_INVALID_PARAMETER, "trigger-conflict");
	try_at_crowd(&g, GUEST_ID, EXTRA_ID, SIZE_(WORD) | ANY_VALUE, 0,
		     HV_STATUS_SUCCESS, "ok");
	disconnect_port(&g, CROWD_ID(0));
	disconnect_port(&g, EXTRA_ID);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 0, HVDB_WRITE_MISS, 0);
	/* and the crowd can come back, ids reused */
	connect_crowd(&g, 0, 64);
	assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, 63, HVDB_WRITE_FIRE,
		     CROWD_ID(63));
	assert_write(&g, OTHER_GUEST_ID, DOORBELL_GPA, 4, 7, HVDB_WRITE_FIRE,
		     CROWD_ID(7));
	teardown(&g);
}

/* ------------------------------------------------------------------ */
/* Every mix of sizes and values at one GPA, against SPEC §4 itself.   */
/* ------------------------------------------------------------------ */

/* Values that fit 1, 2, 4 and 8 bytes at their edges. */
static const uint64_t values[] = { 0,	   1,	    0xff,	   0x100,
				   0xffff, 0x10000, 0xffffffffull, 1ull << 32,
				   ~0ull };
static const uint64_t sizes[] = { SIZE_(BYTE), SIZE_(WORD), SIZE_(DWORD),
				  SIZE_(QWORD), SIZE_(ANY) };
#define SLOTS 48u /* connection ids 1..SLOTS at the one GPA */
#define STEPS 20000u

struct model_conn {
	bool present;
	unsigned width; /* 0: any size */
	bool any_value;
	uint64_t value;
};

static uint64_t rand_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static bool fits(uint64_t value, unsigned len)
{
	return len >= 8 || value >> (8 * len) == 0;
}

/* SPEC §4, word for word: a write matches C iff ... */
static bool model_matches(const struct model_conn *c, unsigned len,
			  uint64_t value)
{
	return c->present && (!c->width || c->width == len) &&
	       (c->any_value || c->value == value);
}

/* ... and two conflict iff some write (length 1..8, value fitting it)
 * could match both: only 0 and their own values need trying. */
static bool model_conflict(const struct model_conn *a,
			   const struct model_conn *b)
{
	const uint64_t tries[] = { 0, a->value, b->value };

	for (unsigned len = 1; len <= 8; len++)
		for (size_t i = 0; i < ARRAY_SIZE(tries); i++)
			if (fits(tries[i], len) &&
			    model_matches(a, len, tries[i]) &&
			    model_matches(b, len, tries[i]))
				return true;
	return false;
}

/* A random trigger the library accepts up to §3 Connect 12. */
static struct model_conn model_pick(uint64_t *rng, uint64_t *flags)
{
	struct model_conn c = { .present = true };
	uint64_t r = rand_next(rng);

	*flags = sizes[r % ARRAY_SIZE(sizes)];
	c.width = *flags == SIZE_(ANY) ? 0 : 1u << (*flags - 1);
	c.any_value = (r >> 8) % 4 == 0;
	if (c.any_value)
		*flags |= ANY_VALUE;
	do
		c.value = values[(r >> 16) % ARRAY_SIZE(values)],
		r = rand_next(rng);
	while (!c.any_value && !fits(c.value, c.width ? c.width : 8));
	if (c.any_value)
		c.value = 0;
	return c;
}

/* Every write of every length and value gives what the model says. */
static void model_check_writes(struct guest *g, const struct model_conn *m)
{
	HV_CONNECTION_ID want;

	for (unsigned len = 1; len <= 8; len++) {
		for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
			if (!fits(values[i], len))
				continue;
			want = 0;
			for (unsigned k = 0; k < SLOTS; k++)
				if (model_matches(&m[k], len, values[i]))
					want = k + 1;
			assert_write(g, GUEST_ID, DOORBELL_GPA, len, values[i],
				     want ? HVDB_WRITE_FIRE : HVDB_WRITE_MISS,
				     want);
		}
	}
}

/* SPEC §3 Connect 13 and §4 at one GPA, through growth into a crowd and
 * back: random connects and disconnects of every size and value kind;
 * each connect is refused as trigger-conflict exactly when the rule finds
 * a write both could match, and writes match what the rule says. */
static void test_crowded_gpa_mixed_triggers_follow_the_rule(void **state)
{
	struct model_conn m[SLOTS] = { 0 }, t;
	uint64_t rng = 0x63726f7764, flags;
	bool conflict;
	unsigned k;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	for (unsigned step = 0; step < STEPS; step++) {
		k = (unsigned)(rand_next(&rng) % SLOTS);
		if (m[k].present) {
			disconnect_port(&g, k + 1);
			m[k].present = false;
		} else {
			t = model_pick(&rng, &flags);
			conflict = false;
			for (unsigned j = 0; j < SLOTS; j++)
				if (m[j].present && model_conflict(&m[j], &t))
					conflict = true;
			try_at_crowd(&g, GUEST_ID, k + 1, flags, t.value,
				     conflict ? HV_STATUS_INVALID_PARAMETER
					      : HV_STATUS_SUCCESS,
				     conflict ? "trigger-conflict" : "ok");
			if (!conflict)
				m[k] = t;
		}
		if (step % 64 == 0)
			model_check_writes(&g, m);
	}
	model_check_writes(&g, m);
	teardown(&g);
}

/* ------------------------------------------------------------------ */
/* Allocation failures while a GPA becomes crowded.                    */
/* ------------------------------------------------------------------ */

/* STYLE 19, SPEC §3 "a refused call changes nothing": the connect of
 * value (v) at the crowd fails at each allocation in turn as
 * out-of-memory, leaving every doorbell matching as before; then it
 * succeeds. Returns how many allocations it failed. */
static unsigned connect_through_faults(struct guest *g, unsigned v)
{
	HV_INPUT_CONNECT_PORT in =
		connect_port_input(g, CROWD_ID(v), PORT_ID, DOORBELL_GPA);
	enum hvdb_reason reason;
	unsigned n, failed = 0;
	char *before;
	HV_STATUS st;

	in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = v;
	for (n = 1;; n++) {
		before = state_digest(g->hv);
		hvdb_fault_arm(g->hv, n);
		st = try_connect_port(g, ROOT_ID, &in, &reason);
		if (hvdb_fault_count(g->hv) < n) {
			hvdb_fault_arm(g->hv, 0);
			assert_status(st, reason, HV_STATUS_SUCCESS, "ok");
			free(before);
			return failed;
		}
		hvdb_fault_arm(g->hv, 0);
		assert_status(st, reason, HV_STATUS_INSUFFICIENT_MEMORY,
			      "out-of-memory");
		assert_state_unchanged(g->hv, before);
		for (unsigned u = 0; u < v; u++)
			assert_write(g, GUEST_ID, DOORBELL_GPA, 4, u,
				     HVDB_WRITE_FIRE, CROWD_ID(u));
		assert_write(g, GUEST_ID, DOORBELL_GPA, 4, v, HVDB_WRITE_MISS,
			     0);
		failed++;
	}
}

/* The second doorbell at a GPA (which makes the crowd) and the one that
 * grows the crowd's value table both fail cleanly at every allocation. */
static void test_crowded_gpa_connect_faults_change_nothing(void **state)
{
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	connect_crowd(&g, 0, 1);
	/* the connection and the crowd with its value table */
	assert_true(connect_through_faults(&g, 1) >= 3);
	connect_crowd(&g, 2, CROWD_TABLE_ROOM);
	/* the connection and the value table's rebuild */
	assert_true(connect_through_faults(&g, CROWD_TABLE_ROOM) >= 2);
	for (unsigned v = 0; v <= CROWD_TABLE_ROOM; v++)
		assert_write(&g, GUEST_ID, DOORBELL_GPA, 4, v, HVDB_WRITE_FIRE,
			     CROWD_ID(v));
	teardown(&g);
}

/* ------------------------------------------------------------------ */
/* Writes racing connects and disconnects (run under TSan in CI).      */
/* ------------------------------------------------------------------ */

/* Stable DWORD doorbells of values 0 .. STABLE - 1 at DOORBELL_GPA, never
 * touched; churned slots at DOORBELL_GPA (even slots, growing and
 * rebuilding that crowd's value table beside the stable ones) and two
 * each at 8 GPAs from CHURN_GPA (odd slots: crowds that form and
 * dissolve), slot s with value CHURN_VALUE + s and id
 * CHURN_CONN(s, generation). */
#define STABLE 8u
#define CHURN_SLOTS 32u
#define CHURN_GPA (DOORBELL_GPA + 0x100)
#define CHURN_VALUE 100u
#define CHURN_CONN(s, gen) ((HV_CONNECTION_ID)((s) + 1) << 16 | (gen))
/* At least this many steps, and on until the writers made MIN_WRITES
 * (a loaded machine may not run them at first); never so many that a
 * slot's 16-bit generation wraps. */
#define CHURN_STEPS 20000u
#define MAX_STEPS 1000000u
#define MIN_WRITES 20000u
#define WRITERS 2

struct race {
	struct guest g;
	atomic_bool stop;
	/* the last generation of each slot whose DisconnectPort returned */
	atomic_uint gone[CHURN_SLOTS];
	/* the generation connected (ConnectPort returned, DisconnectPort not
	 * begun), or 0 */
	atomic_uint live[CHURN_SLOTS];
	atomic_uint violations;
	atomic_ulong writes;
};

static hvdb_gpa_t churn_gpa(unsigned s)
{
	return s % 2 ? CHURN_GPA + 8 * (s / 4) : DOORBELL_GPA;
}

static void race_violation(struct race *r, const char *what, unsigned a,
			   int result, HV_CONNECTION_ID id)
{
	if (atomic_fetch_add(&r->violations, 1) < 10)
		print_error("%s %u: result %s, connection %#x\n", what, a,
			    write_result_str(result), id);
}

/* SPEC §4/§5: a stable value fires its connection, an absent one misses,
 * a churned one never fires a generation whose disconnect returned before
 * the write started, nor another slot's connection, and fires the one
 * connected from before the write started to after it ended. */
static void *race_writer(void *arg)
{
	struct race *r = arg;
	uint64_t rng = (uint64_t)(uintptr_t)&rng;
	struct hvdb_write_outcome out;
	unsigned v, s, gone, live, gen;
	int res;

	while (!atomic_load(&r->stop)) {
		v = (unsigned)(rand_next(&rng) % (2 * STABLE));
		res = hvdb_write(r->g.hv, GUEST_ID, DOORBELL_GPA, 4, v, &out);
		if (v < STABLE ? res != HVDB_WRITE_FIRE ||
					 out.connection_id != CROWD_ID(v)
			       : res != HVDB_WRITE_MISS)
			race_violation(r, "stable value", v, res,
				       out.connection_id);
		s = (unsigned)(rand_next(&rng) % CHURN_SLOTS);
		gone = atomic_load(&r->gone[s]);
		live = atomic_load(&r->live[s]);
		res = hvdb_write(r->g.hv, GUEST_ID, churn_gpa(s), 4,
				 CHURN_VALUE + s, &out);
		gen = res == HVDB_WRITE_FIRE ? out.connection_id & 0xffff : 0;
		if (res == HVDB_WRITE_FIRE &&
		    (out.connection_id >> 16 != s + 1 || gen <= gone))
			race_violation(r, "fired a gone slot", s, res,
				       out.connection_id);
		else if (res != HVDB_WRITE_FIRE && res != HVDB_WRITE_MISS)
			race_violation(r, "churned slot", s, res, 0);
		else if (live && live == atomic_load(&r->live[s]) &&
			 gen != live)
			race_violation(r, "missed a live slot", s, res,
				       out.connection_id);
		atomic_fetch_add(&r->writes, 2);
	}
	return NULL;
}

/* SPEC §5: writes race connects and disconnects that form and dissolve
 * a crowd and rebuild a crowd's value table: the stable doorbells always
 * fire, and nothing fires after its DisconnectPort returned. */
static void test_crowded_gpa_writes_race_churn(void **state)
{
	struct race *r = calloc(1, sizeof(*r));
	unsigned gen[CHURN_SLOTS] = { 0 }, s;
	pthread_t writers[WRITERS];
	uint64_t rng = 0x72616365;

	(void)state;
	assert_non_null(r);
	hv_with_guest(&r->g);
	port_create(&r->g, PORT_ID);
	connect_crowd(&r->g, 0, STABLE);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(
			pthread_create(&writers[i], NULL, race_writer, r), 0);
	for (unsigned step = 0;
	     step < MAX_STEPS &&
	     (step < CHURN_STEPS || atomic_load(&r->writes) < MIN_WRITES);
	     step++) {
		s = (unsigned)(rand_next(&rng) % CHURN_SLOTS);
		if (gen[s] % 2) {
			atomic_store(&r->live[s], 0);
			disconnect_port(&r->g, CHURN_CONN(s, gen[s]));
			atomic_store(&r->gone[s], gen[s]);
		} else {
			connect_port(&r->g, CHURN_CONN(s, gen[s] + 1), PORT_ID,
				     churn_gpa(s), SIZE_(DWORD),
				     CHURN_VALUE + s);
			atomic_store(&r->live[s], gen[s] + 1);
		}
		gen[s]++;
	}
	atomic_store(&r->stop, true);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_join(writers[i], NULL), 0);
	assert_int_equal(atomic_load(&r->violations), 0);
	assert_true(atomic_load(&r->writes) >= MIN_WRITES);
	teardown(&r->g);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crowded_gpa_big_crowd),
		cmocka_unit_test(
			test_crowded_gpa_mixed_triggers_follow_the_rule),
		cmocka_unit_test(
			test_crowded_gpa_connect_faults_change_nothing),
		cmocka_unit_test(test_crowded_gpa_writes_race_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
