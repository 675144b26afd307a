/* test_regressions.c - one test per bug the fuzzers found in libhvdb.
 *
 * Each reproduces the input that broke; most were undefined behaviour that
 * only a sanitizer build reports (.ci/sanitizers.sh runs these under
 * ASan+UBSan with halt_on_error=1), so the test also checks the visible
 * contract of the call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>

static int count_visits(void *opaque, const struct hvdb_connection_desc *d)
{
	(void)d;
	++*(int *)opaque;
	return 0;
}

static int count_ports(void *opaque, const struct hvdb_port_desc *d)
{
	(void)d;
	++*(int *)opaque;
	return 0;
}

/* fuzz_conninfo: hvdb_conninfo_describe(info, NULL, 0), the snprintf
 * size query, did `NULL + 0` pointer arithmetic (UBSan: "applying zero
 * offset to null pointer", src/conninfo.c). It must return the length the
 * full description has. */
static void describe_size_query_without_buffer(void **state)
{
	HV_CONNECTION_INFO info = { .PortType = HvPortTypeDoorbell };
	char buf[2048];
	int want, got;

	(void)state;
	info.DoorbellConnectionInfo.GuestPhysicalAddress = 0xFFF;
	info.DoorbellConnectionInfo.Flags = HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD;
	want = hvdb_conninfo_describe(&info, buf, sizeof(buf));
	assert_true(want > 0 && (size_t)want < sizeof(buf));
	got = hvdb_conninfo_describe(&info, NULL, 0);
	assert_int_equal(got, want);
	/* and a one-byte buffer keeps just the terminator */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(hvdb_conninfo_describe(&info, buf, 1), want);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');
}

/* fuzz_state: walking an empty table (no ports, no connections) passed
 * qsort() a NULL array (UBSan: "null pointer passed as argument 1, which
 * is declared to never be null", src/introspect.c). An empty walk visits
 * nothing and returns 0. */
static void foreach_over_empty_tables(void **state)
{
	struct hvdb *hv = hvdb_create(NULL);
	int visits = 0;

	(void)state;
	assert_non_null(hv);
	assert_int_equal(hvdb_connection_foreach(hv, count_visits, &visits), 0);
	assert_int_equal(hvdb_port_foreach(hv, count_ports, &visits), 0);
	assert_int_equal(visits, 0);
	hvdb_destroy(hv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(describe_size_query_without_buffer),
		cmocka_unit_test(foreach_over_empty_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
