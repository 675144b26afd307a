/* test_dialect_refuse.c - the "doorbells" of a snapshot (SPEC §7
 * registrations): a document whose registrations could not have been
 * made is refused with a clear error and restores nothing; a good one
 * restores them, eventfd groups included (STYLE 17: one mutation a row).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <jansson.h>

#include <hvdb/dialect.h>
#include <hvdb/introspect.h>

#include "snap.h"

/* Partition 2 with an ioeventfd (id 1, DWORD 1 at 0x1000) and a WHP
 * any-write doorbell (id 2 at 0x2000) on one eventfd, and an ioeventfd
 * (id 3, any length 5 at 0x3000) on another. */
static char *base_json(size_t *len)
{
	struct hvdb *hv = hvdb_create(NULL);
	struct hvdb_partition_config c;
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	struct mshv_user_ioeventfd io = {
		.addr = 0x1000,
		.len = 4,
		.datamatch = 1,
		.fd = a,
		.flags = MSHV_IOEVENTFD_FLAG_DATAMATCH,
	};
	WHV_DOORBELL_MATCH_DATA any = { .GuestAddress = 0x2000 };
	char *json;

	assert_non_null(hv);
	hvdb_partition_config_init(&c, 2);
	assert_int_equal(hvdb_partition_create(hv, &c, NULL), 0);
	assert_int_equal(hvdb_ioeventfd(hv, 2, &io, NULL, NULL), 0);
	assert_int_equal(hvdb_whp_register(hv, 2, &any, a, NULL, NULL),
			 HVDB_S_OK);
	io.addr = 0x3000;
	io.len = 0;
	io.datamatch = 5;
	io.fd = b;
	assert_int_equal(hvdb_ioeventfd(hv, 2, &io, NULL, NULL), 0);
	json = save(hv, len);
	hvdb_destroy(hv);
	close(a);
	close(b);
	return json;
}

static json_t *doorbell(json_t *doc, size_t i)
{
	json_t *e = json_array_get(json_object_get(doc, "doorbells"), i);

	assert_non_null(e);
	return e;
}

static void set(json_t *obj, const char *key, json_t *v)
{
	assert_int_equal(json_object_set_new(obj, key, v), 0);
}

#define MUTATION(name, body)          \
	static void name(json_t *doc) \
	{                             \
		body;                 \
	}

MUTATION(not_array, set(doc, "doorbells", json_integer(1)))
MUTATION(unknown_dialect, set(doorbell(doc, 0), "dialect", json_string("kvm")))
MUTATION(id_0, set(doorbell(doc, 0), "id", json_integer(0)))
MUTATION(id_25_bits, set(doorbell(doc, 0), "id", json_integer(0x1000000)))
MUTATION(id_twice, set(doorbell(doc, 1), "id", json_integer(1)))
MUTATION(group_out_of_range, set(doorbell(doc, 2), "eventfd", json_integer(3)))
MUTATION(unknown_partition,
	 set(doorbell(doc, 0), "partition", json_string("0x9")))
MUTATION(root_partition, set(doorbell(doc, 0), "partition", json_string("0x1")))
MUTATION(deassign_flag, set(doorbell(doc, 0), "flags", json_integer(5)))
MUTATION(pio_flag, set(doorbell(doc, 0), "flags", json_integer(3)))
MUTATION(len_3, set(doorbell(doc, 0), "len", json_integer(3)))
MUTATION(value_too_wide, (set(doorbell(doc, 0), "len", json_integer(1)),
			  set(doorbell(doc, 0), "value", json_string("0x100"))))
MUTATION(whp_reserved, set(doorbell(doc, 1), "flags", json_integer(4)))
MUTATION(whp_bad_mode, set(doorbell(doc, 1), "len", json_integer(4)))
MUTATION(gpa_not_hex, set(doorbell(doc, 0), "gpa", json_integer(4096)))
MUTATION(key_missing,
	 assert_int_equal(json_object_del(doorbell(doc, 0), "eventfd"), 0))
MUTATION(key_unknown, set(doorbell(doc, 0), "fd", json_integer(3)))

struct refusal {
	const char *name;
	void (*mutate)(json_t *doc);
	const char *want_text; /* a piece of the message; code -EINVAL */
};

static const struct refusal refusals[] = {
	{ "doorbells not an array", not_array, "expected an array" },
	{ "unknown dialect", unknown_dialect,
	  "dialect: expected \"ioeventfd\" or \"whp\"" },
	{ "id 0", id_0, "id: expected an integer 1..16777215" },
	{ "id of 25 bits", id_25_bits, "id: expected an integer 1..16777215" },
	{ "one id twice", id_twice, "(id 1): id in use" },
	{ "eventfd group past the count", group_out_of_range,
	  "eventfd: expected an integer 0..2" },
	{ "unknown partition", unknown_partition,
	  "not a registration ioeventfd can make" },
	{ "the root partition", root_partition,
	  "not a registration ioeventfd can make" },
	{ "a DEASSIGN flag", deassign_flag,
	  "not a registration ioeventfd can make" },
	{ "a PIO flag", pio_flag, "not a registration ioeventfd can make" },
	{ "len 3", len_3, "not a registration ioeventfd can make" },
	{ "a BYTE of 0x100", value_too_wide,
	  "not a registration ioeventfd can make" },
	{ "WHP reserved bits", whp_reserved,
	  "not a registration whp can make" },
	{ "WHP Length without MatchOnLength", whp_bad_mode,
	  "not a registration whp can make" },
	{ "gpa not a hex string", gpa_not_hex, "gpa: expected a string" },
	{ "a key missing", key_missing, "\"eventfd\" is missing" },
	{ "an unknown key", key_unknown, "unknown key \"fd\"" },
};

static void test_refusal_table(void **state)
{
	json_error_t jerr;
	unsigned failed = 0;
	size_t len;
	char *base = base_json(&len);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		const struct refusal *row = &refusals[i];
		json_t *doc = json_loadb(base, len, 0, &jerr);
		struct hvdb_snapshot_error err;
		struct hvdb *out;
		char *text;
		int rc;

		assert_non_null(doc);
		row->mutate(doc);
		text = json_dumps(doc, JSON_COMPACT);
		assert_non_null(text);
		rc = try_restore(text, strlen(text), &out, &err);
		if (rc != -EINVAL || !strstr(err.message, row->want_text)) {
			print_error("row \"%s\": want -EINVAL \"...%s...\", "
				    "got %d \"%s\"\n",
				    row->name, row->want_text, rc, err.message);
			if (out)
				hvdb_destroy(out);
			failed++;
		}
		free(text);
		json_decref(doc);
	}
	free(base);
	assert_int_equal(failed, 0);
}

struct groups {
	uint32_t group[3];
	int fd[3];
	int n;
};

static int collect(void *opaque, const struct hvdb_doorbell_desc *d)
{
	struct groups *g = opaque;

	assert_true(g->n < 3);
	g->group[g->n] = d->eventfd_group;
	g->fd[g->n++] = d->eventfd;
	return 0;
}

/* The base restores: three registrations, the first two sharing an
 * eventfd group and one open file description, the third its own; the
 * document saves back the same. */
static void test_base_restores_with_groups(void **state)
{
	struct groups g = { .n = 0 };
	size_t len, len2;
	char *base = base_json(&len), *again;
	struct hvdb *hv;

	(void)state;
	assert_non_null(strstr(base, "\"doorbells\""));
	assert_int_equal(
		hvdb_snapshot_restore(base, len, NULL, NULL, &hv, NULL), 0);
	assert_int_equal(hvdb_doorbell_foreach(hv, collect, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.group[0], 0);
	assert_int_equal(g.group[1], 0);
	assert_int_equal(g.group[2], 1);
	assert_int_equal(hvdb_eventfd_same(g.fd[0], g.fd[1]), 1);
	assert_int_equal(hvdb_eventfd_same(g.fd[0], g.fd[2]), 0);
	again = save(hv, &len2);
	assert_same_text("save after restore", base, again);
	free(again);
	hvdb_destroy(hv);
	free(base);
}

/* Without registrations there is no "doorbells" key: documents of
 * hypervisors that never used a dialect are as before. */
static void test_no_doorbells_no_key(void **state)
{
	struct hvdb *hv = hvdb_create(NULL);
	size_t len;
	char *json;

	(void)state;
	json = save(hv, &len);
	assert_null(strstr(json, "doorbells"));
	free(json);
	hvdb_destroy(hv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusal_table),
		cmocka_unit_test(test_base_restores_with_groups),
		cmocka_unit_test(test_no_doorbells_no_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
