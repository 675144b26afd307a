/* test_index.c - SPEC §4 matching stays exact while the GPA and id indexes
 * grow, fill with removed slots and rebuild: the writes of every present
 * connection fire it, those of every disconnected one miss, connections
 * sharing a GPA are all found (by writes and by the conflict check), and
 * every id stays found by DisconnectPort. */
#include "helpers.h"

#define SIZE_(s) HV_DOORBELL_FLAG_TRIGGER_SIZE_##s
/* Enough pairs to take both indexes through several grow and same-size
 * rebuilds. */
#define PAIRS 3000u
/* Connection i (a BYTE trigger) and i + PAIRS (a WORD trigger, same value)
 * share one GPA: no write matches both (SPEC §4). */
#define BYTE_ID(i) ((HV_CONNECTION_ID)(i) + 1)
#define WORD_ID(i) ((HV_CONNECTION_ID)(i) + 1 + PAIRS)

static hvdb_gpa_t gpa_of(unsigned i)
{
	return DOORBELL_GPA + (hvdb_gpa_t)(i / 4) * HVDB_PAGE_SIZE +
	       8 * (i % 4);
}

struct index_state {
	struct guest g;
	bool byte[PAIRS], word[PAIRS]; /* connected now */
};

static void set_byte(struct index_state *s, unsigned i, bool on)
{
	if (on)
		connect_port(&s->g, BYTE_ID(i), PORT_ID, gpa_of(i), SIZE_(BYTE),
			     1);
	else
		disconnect_port(&s->g, BYTE_ID(i));
	s->byte[i] = on;
}

static void set_word(struct index_state *s, unsigned i, bool on)
{
	if (on)
		connect_port(&s->g, WORD_ID(i), PORT_ID, gpa_of(i), SIZE_(WORD),
			     1);
	else
		disconnect_port(&s->g, WORD_ID(i));
	s->word[i] = on;
}

/* Every GPA's 1-, 2- and 4-byte writes of 1 match exactly what is there;
 * a present connection's id is in use, an absent one's is free. */
static void check_all(struct index_state *s)
{
	struct guest *g = &s->g;
	enum hvdb_reason reason;
	HV_INPUT_CONNECT_PORT in;

	for (unsigned i = 0; i < PAIRS; i++) {
		assert_write(g, GUEST_ID, gpa_of(i), 1, 1,
			     s->byte[i] ? HVDB_WRITE_FIRE : HVDB_WRITE_MISS,
			     BYTE_ID(i));
		assert_write(g, GUEST_ID, gpa_of(i), 2, 1,
			     s->word[i] ? HVDB_WRITE_FIRE : HVDB_WRITE_MISS,
			     WORD_ID(i));
		assert_write(g, GUEST_ID, gpa_of(i), 4, 1, HVDB_WRITE_MISS, 0);
		/* A second BYTE trigger of 1 conflicts iff the first is
		 * there; the id it would take is always free. */
		in = connect_port_input(g, BYTE_ID(i) + 2 * PAIRS, PORT_ID,
					gpa_of(i));
		in.ConnectionInfo.DoorbellConnectionInfo.Flags = SIZE_(BYTE);
		in.ConnectionInfo.DoorbellConnectionInfo.TriggerValue = 1;
		if (s->byte[i]) {
			assert_status(
				try_connect_port(g, ROOT_ID, &in, &reason),
				reason, HV_STATUS_INVALID_PARAMETER,
				"trigger-conflict");
		} else {
			assert_status(
				try_connect_port(g, ROOT_ID, &in, &reason),
				reason, HV_STATUS_SUCCESS, "ok");
			disconnect_port(g, BYTE_ID(i) + 2 * PAIRS);
		}
	}
}

/* SPEC §4 and §3 DisconnectPort, through growth, removals in several
 * orders (leaving removed slots behind) and reuse of freed ids. */
static void test_index_through_churn(void **state)
{
	struct index_state *s = calloc(1, sizeof(*s));

	(void)state;
	assert_non_null(s);
	hv_with_guest(&s->g);
	port_create(&s->g, PORT_ID);
	for (unsigned i = 0; i < PAIRS; i++) {
		set_byte(s, i, true);
		set_word(s, i, true);
	}
	check_all(s);
	/* every other pair's BYTE trigger goes: removed slots everywhere */
	for (unsigned i = 0; i < PAIRS; i += 2)
		set_byte(s, i, false);
	check_all(s);
	/* the WORD triggers go newest first */
	for (unsigned i = PAIRS; i-- > 0;)
		if (i % 3)
			set_word(s, i, false);
	check_all(s);
	/* back in, ids reused, then most BYTE triggers go oldest first */
	for (unsigned i = 0; i < PAIRS; i++) {
		if (!s->byte[i])
			set_byte(s, i, true);
		if (!s->word[i])
			set_word(s, i, true);
	}
	for (unsigned i = 0; i < PAIRS; i++)
		if (i % 5)
			set_byte(s, i, false);
	check_all(s);
	/* down to nothing: every write misses */
	for (unsigned i = 0; i < PAIRS; i++) {
		if (s->byte[i])
			set_byte(s, i, false);
		if (s->word[i])
			set_word(s, i, false);
	}
	check_all(s);
	teardown(&s->g);
	free(s);
}

/* Connections that fill a fresh index to where the next connect
 * rebuilds both (3/4 of the 16 first slots). */
#define BEFORE_REBUILD 12u

/* STYLE 19, SPEC §3 "a refused call changes nothing": the connect that
 * rebuilds both indexes (fault site alloc-index) fails at each rebuild in
 * turn, as out-of-memory, leaving every connection matching as before.
 * A rebuild that succeeded before the refusal stays (it changes nothing
 * visible), so the walk meets two failures: the id index, then the GPA
 * index. */
static void test_index_rebuild_fault_walk(void **state)
{
	enum hvdb_reason reason;
	HV_INPUT_CONNECT_PORT in;
	unsigned n, failed = 0;
	struct guest g;
	char *before;
	HV_STATUS st;

	(void)state;
	hv_with_guest(&g);
	port_create(&g, PORT_ID);
	for (unsigned i = 0; i < BEFORE_REBUILD; i++)
		connect_port(&g, BYTE_ID(i), PORT_ID, gpa_of(i), SIZE_(BYTE),
			     1);
	in = connect_port_input(&g, BYTE_ID(BEFORE_REBUILD), PORT_ID,
				gpa_of(BEFORE_REBUILD));
	for (n = 1;; n++) {
		before = state_digest(g.hv);
		hvdb_fault_arm(g.hv, n);
		st = try_connect_port(&g, ROOT_ID, &in, &reason);
		if (hvdb_fault_count(g.hv) < n) {
			hvdb_fault_arm(g.hv, 0);
			assert_status(st, reason, HV_STATUS_SUCCESS, "ok");
			free(before);
			break;
		}
		hvdb_fault_arm(g.hv, 0);
		assert_status(st, reason, HV_STATUS_INSUFFICIENT_MEMORY,
			      "out-of-memory");
		assert_state_unchanged(g.hv, before);
		failed++;
	}
	assert_int_equal(failed, 2);
	for (unsigned i = 0; i <= BEFORE_REBUILD; i++)
		assert_write(&g, GUEST_ID, gpa_of(i),
			     i == BEFORE_REBUILD ? 4 : 1,
			     i == BEFORE_REBUILD ? DEFAULT_VALUE : 1,
			     HVDB_WRITE_FIRE, BYTE_ID(i));
	teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_through_churn),
		cmocka_unit_test(test_index_rebuild_fault_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
