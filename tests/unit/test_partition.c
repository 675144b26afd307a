/* test_partition.c - SPEC §2 object model: the root partition (id 1,
 * every privilege) always exists; guests are created with an id, a VP
 * count, a GPA width (default 48), privileges (default 0) and RAM ranges;
 * hvdb_partition_create refuses bad configurations and changes nothing. */
#include "helpers.h"

struct partition_case {
	const char *name;
	void (*mutate)(struct hvdb_partition_config *pc);
	HV_STATUS want_status;
	const char *want_reason;
};

static const struct hvdb_ram_range ram_ok[] = { { 0, 0x100000 } };
static const struct hvdb_ram_range ram_past_width[] = {
	{ (1ull << 48) - 0x1000, 0x2000 },
};
static const struct hvdb_ram_range ram_wraps[] = {
	{ 0xFFFFFFFFFFFFF000ull, 0x2000 },
};

#define PC_MUTATE(name, body)                              \
	static void name(struct hvdb_partition_config *pc) \
	{                                                  \
		body;                                      \
	}

PC_MUTATE(keep, (void)pc)
PC_MUTATE(id_exists, pc->id = GUEST_ID)
PC_MUTATE(id_root, pc->id = ROOT_ID)
PC_MUTATE(id_zero, pc->id = 0)
PC_MUTATE(id_self, pc->id = HV_PARTITION_ID_SELF)
PC_MUTATE(vps_zero, pc->vp_count = 0)
PC_MUTATE(bits_11, pc->gpa_bits = 11)
PC_MUTATE(bits_12, pc->gpa_bits = 12)
PC_MUTATE(bits_64, pc->gpa_bits = 64)
PC_MUTATE(bits_65, pc->gpa_bits = 65)
PC_MUTATE(with_ram, pc->ram = ram_ok; pc->ram_count = 1)
PC_MUTATE(ram_beyond_width, pc->ram = ram_past_width; pc->ram_count = 1)
PC_MUTATE(ram_wrapping, pc->ram = ram_wraps; pc->gpa_bits = 64;
	  pc->ram_count = 1)

static const struct partition_case partition_cases[] = {
	{ "defaults", keep, HV_STATUS_SUCCESS, "ok" },
	{ "id exists", id_exists, HV_STATUS_INVALID_PARTITION_ID,
	  "partition-exists" },
	{ "id of the root", id_root, HV_STATUS_INVALID_PARTITION_ID,
	  "partition-exists" },
	{ "id 0", id_zero, HV_STATUS_INVALID_PARAMETER,
	  "bad-partition-config" },
	{ "id SELF", id_self, HV_STATUS_INVALID_PARAMETER,
	  "bad-partition-config" },
	{ "0 VPs", vps_zero, HV_STATUS_INVALID_PARAMETER,
	  "bad-partition-config" },
	{ "11 GPA bits", bits_11, HV_STATUS_INVALID_PARAMETER,
	  "bad-partition-config" },
	{ "12 GPA bits", bits_12, HV_STATUS_SUCCESS, "ok" },
	{ "64 GPA bits", bits_64, HV_STATUS_SUCCESS, "ok" },
	{ "65 GPA bits", bits_65, HV_STATUS_INVALID_PARAMETER,
	  "bad-partition-config" },
	{ "RAM range", with_ram, HV_STATUS_SUCCESS, "ok" },
	{ "RAM past the GPA width", ram_beyond_width,
	  HV_STATUS_INVALID_PARAMETER, "bad-partition-config" },
	{ "RAM wrapping 2^64", ram_wrapping, HV_STATUS_INVALID_PARAMETER,
	  "bad-partition-config" },
};

/* hvdb.h hvdb_partition_create: statuses and reasons per configuration;
 * a refusal changes nothing. */
static void test_partition_create_rules(void **state)
{
	const struct partition_case *c;
	struct hvdb_partition_config pc;
	enum hvdb_reason reason;
	struct guest g;
	HV_STATUS st;
	char *before;
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(partition_cases); i++) {
		c = &partition_cases[i];
		hv_with_guest(&g);
		hvdb_partition_config_init(&pc, OTHER_GUEST_ID);
		c->mutate(&pc);
		before = state_digest(g.hv);
		reason = HVDB_REASON_NONE;
		st = hvdb_partition_create(g.hv, &pc, &reason);
		failed += !check_status(st, reason, c->want_status,
					c->want_reason, c->name);
		if (st != HV_STATUS_SUCCESS)
			assert_state_unchanged(g.hv, before);
		else
			free(before);
		teardown(&g);
	}
	assert_int_equal(failed, 0);
}

/* SPEC §2: defaults are 48 GPA bits, no privileges, the default
 * connection limit; the walk shows the partition as configured. */
static void test_partition_defaults_and_desc(void **state)
{
	struct hvdb_partition_config pc;
	struct hvdb_partition_desc d;
	enum hvdb_reason reason;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	hvdb_partition_config_init(&pc, OTHER_GUEST_ID);
	assert_int_equal(pc.id, OTHER_GUEST_ID);
	assert_int_equal(pc.gpa_bits, HVDB_DEFAULT_GPA_BITS);
	assert_int_equal(pc.privileges, 0);
	assert_int_equal(pc.connection_limit, HVDB_DEFAULT_CONNECTION_LIMIT);
	assert_true(pc.vp_count >= 1);
	assert_int_equal(pc.ram_count, 0);
	pc.vp_count = 5;
	pc.privileges = HV_PRIVILEGE_CONNECT_PORT;
	assert_status(hvdb_partition_create(g.hv, &pc, &reason), reason,
		      HV_STATUS_SUCCESS, "ok");

	assert_true(hvdb_partition_exists(g.hv, OTHER_GUEST_ID));
	assert_true(find_partition_desc(g.hv, OTHER_GUEST_ID, &d));
	assert_int_equal(d.vp_count, 5);
	assert_int_equal(d.gpa_bits, 48);
	assert_int_equal(d.privileges, HV_PRIVILEGE_CONNECT_PORT);
	assert_int_equal(d.connection_count, 0);
	teardown(&g);
}

/* SPEC §2: the root (id 1) exists from the start with the configured VP
 * count and every privilege. */
static void test_partition_root(void **state)
{
	struct hvdb_partition_desc d;
	struct guest g;

	(void)state;
	hv_with_guest(&g);
	assert_true(hvdb_partition_exists(g.hv, ROOT_ID));
	assert_false(hvdb_partition_exists(g.hv, UNKNOWN_PARTITION_ID));
	assert_true(find_partition_desc(g.hv, ROOT_ID, &d));
	assert_int_equal(d.vp_count, ROOT_VPS);
	assert_int_equal(d.privileges & BOTH_PRIVILEGES, BOTH_PRIVILEGES);
	teardown(&g);
}

/* STYLE 4: state hangs off the handle; two hypervisors in one process
 * share nothing (same ids, separate ports, connections and counters). */
static void test_partition_two_hypervisors(void **state)
{
	struct guest a, b;

	(void)state;
	hv_with_guest(&a);
	hv_with_guest(&b);
	port_create(&a, PORT_ID);
	port_create(&b, PORT_ID);
	connect_port(&a, CONN_ID, PORT_ID, DOORBELL_GPA, ANY_SIZE_ANY_VALUE, 0);
	assert_write(&b, GUEST_ID, DOORBELL_GPA, 4, 0, HVDB_WRITE_MISS, 0);
	assert_write(&a, GUEST_ID, DOORBELL_GPA, 4, 0, HVDB_WRITE_FIRE,
		     CONN_ID);
	assert_int_equal(port_stats(&a, PORT_ID).triggers, 1);
	assert_int_equal(port_stats(&b, PORT_ID).triggers, 0);
	teardown(&a);
	assert_true(find_port_desc(b.hv, PORT_ID, NULL));
	teardown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partition_create_rules),
		cmocka_unit_test(test_partition_defaults_and_desc),
		cmocka_unit_test(test_partition_root),
		cmocka_unit_test(test_partition_two_hypervisors),
	};

	return cmocka_run_group_tests_name("partition", tests, NULL, NULL);
}
