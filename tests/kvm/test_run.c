/* test_run.c - `hvdb run` through the library: the built-in guest boots
 * and every message and doorbell write is delivered exactly once, in each
 * flag combination, with the counters naming the path (SPEC §5). */
#include <stdlib.h>

#include "demo.h"
#include "kvm_helpers.h"

/* Runs the demo with (c); asserts it ran and delivered everything. */
static void run_ok(struct kvm_demo_config *c, struct kvm_demo_result *r)
{
	int rc = kvm_demo_run(c, r);

	if (rc < 0 || !r->ok)
		print_error("hvdb run failed (%d): %s\n", rc, r->error);
	assert_int_equal(rc, 0);
	assert_true(r->ok);
	assert_int_equal(r->messages_received, c->writes * c->vcpus);
	assert_int_equal(r->fired, c->writes * c->vcpus);
	assert_int_equal(r->misses, 0);
	assert_int_equal(r->offloaded + r->userspace, r->fired);
}

static void config(struct kvm_demo_config *c, uint32_t vcpus, uint32_t queues,
		   uint64_t writes)
{
	kvm_demo_config_init(c);
	c->vcpus = vcpus;
	c->queues = queues;
	c->writes = writes;
}

/* Default flags: every connection offloaded, every fire in-kernel. */
static void test_default(void **state)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;

	(void)state;
	TEST_REQUIRE_KVM();
	config(&c, 2, 4, 3000);
	run_ok(&c, &r);
	assert_int_equal(r.offloaded_connections, 4);
	assert_int_equal(r.offloaded, r.fired);
	free(r.queue);
}

static void test_no_offload(void **state)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;

	(void)state;
	TEST_REQUIRE_KVM();
	config(&c, 2, 4, 2000);
	c.offload = false;
	run_ok(&c, &r);
	assert_int_equal(r.userspace_connections, 4);
	assert_int_equal(r.userspace, r.fired);
	free(r.queue);
}

/* RAM doorbells, offloaded and not: the pages exit as MMIO. */
static void test_ram_doorbells(void **state)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;

	(void)state;
	TEST_REQUIRE_KVM();
	for (int offload = 0; offload < 2; offload++) {
		config(&c, 2, 8, 2000);
		c.ram_doorbells = true;
		c.offload = offload;
		run_ok(&c, &r);
		assert_int_equal(offload ? r.offloaded : r.userspace, r.fired);
		free(r.queue);
	}
}

/* The guest finds Hyper-V (CPUID), enables the hypercall page (MSRs),
 * connects its doorbells with HvCallConnectPort and checks the bad-input
 * statuses itself. */
static void test_guest_connects(void **state)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;

	(void)state;
	TEST_REQUIRE_KVM();
	for (int offload = 0; offload < 2; offload++) {
		config(&c, 3, 6, 1000);
		c.guest_connects = true;
		c.offload = offload;
		run_ok(&c, &r);
		assert_int_equal(offload ? r.offloaded_connections
					 : r.userspace_connections,
				 6);
		free(r.queue);
	}
}

/* Many queues, all offloaded. */
static void test_many_queues(void **state)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;

	(void)state;
	TEST_REQUIRE_KVM();
	config(&c, 2, 1500, 1500);
	run_ok(&c, &r);
	assert_int_equal(r.offloaded_connections, 1500);
	assert_int_equal(r.offloaded, r.fired);
	free(r.queue);
}

/* The limit proves the fallback: both paths in one run, every write
 * delivered exactly once (run_ok checks each queue). */
static void test_offload_limit(void **state)
{
	struct kvm_demo_config c;
	struct kvm_demo_result r;

	(void)state;
	TEST_REQUIRE_KVM();
	config(&c, 2, 300, 1500);
	c.offload_limit = 100;
	run_ok(&c, &r);
	assert_int_equal(r.offloaded_connections, 100);
	assert_int_equal(r.userspace_connections, 200);
	assert_true(r.offloaded > 0 && r.userspace > 0);
	for (uint32_t i = 0; i < c.queues; i++)
		assert_int_equal(r.queue[i].path,
				 i < 100 ? HVDB_KVM_PATH_IOEVENTFD
					 : HVDB_KVM_PATH_EXIT);
	free(r.queue);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_no_offload),
		cmocka_unit_test(test_ram_doorbells),
		cmocka_unit_test(test_guest_connects),
		cmocka_unit_test(test_many_queues),
		cmocka_unit_test(test_offload_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
