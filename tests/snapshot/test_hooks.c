/* test_hooks.c - restore hooks: how a VMM (e.g. the KVM backend) gets its
 * backends and eventfds in place before connections come back.
 *
 * A fake backend stands in for KVM: it counts attaches and detaches per
 * partition and records each trigger's eventfd, the way ioeventfds would
 * be registered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap.h"

#define FAKE_EVENTFD_BASE 1000

struct fake_vmm {
	unsigned partitions_seen;
	unsigned ports_seen;
	unsigned attached;
	unsigned detached;
	unsigned attached_with_eventfd;
	int fail_port;	/* port hook returns this for the 2nd port, or 0 */
	bool bad_order; /* a hook ran after something it must precede */
};

static int fake_attach(void *opaque, const struct hvdb_trigger *t,
		       void **cookie)
{
	struct fake_vmm *vmm = opaque;

	vmm->attached++;
	if (t->eventfd == FAKE_EVENTFD_BASE + (int)t->port_id)
		vmm->attached_with_eventfd++;
	*cookie = vmm;
	return 0;
}

static void fake_detach(void *opaque, const struct hvdb_trigger *t,
			void *cookie)
{
	struct fake_vmm *vmm = opaque;

	(void)t;
	assert_ptr_equal(cookie, vmm);
	vmm->detached++;
}

static const struct hvdb_backend_ops fake_backend = {
	.attach = fake_attach,
	.detach = fake_detach,
};

struct counts {
	unsigned partitions, ports, connections, live_connections;
};

static int count_partition(void *opaque, const struct hvdb_partition_desc *d)
{
	(void)d;
	((struct counts *)opaque)->partitions++;
	return 0;
}

static int count_port(void *opaque, const struct hvdb_port_desc *d)
{
	(void)d;
	((struct counts *)opaque)->ports++;
	return 0;
}

static int count_connection(void *opaque, const struct hvdb_connection_desc *d)
{
	struct counts *c = opaque;

	c->connections++;
	if (!d->port_deleted)
		c->live_connections++;
	return 0;
}

static struct counts count(struct hvdb *hv)
{
	struct counts c = { 0 };

	hvdb_partition_foreach(hv, count_partition, &c);
	hvdb_port_foreach(hv, count_port, &c);
	hvdb_connection_foreach(hv, count_connection, &c);
	return c;
}

static int on_partition(void *opaque, struct hvdb *hv,
			const struct hvdb_partition_desc *d)
{
	struct fake_vmm *vmm = opaque;
	struct counts c = count(hv);

	vmm->partitions_seen++;
	/* partitions come first: no port yet, and no connection */
	if (c.ports || c.connections || d->connection_count)
		vmm->bad_order = true;
	return hvdb_partition_set_backend(hv, d->id, &fake_backend, vmm);
}

static int only_deleted(void *opaque, const struct hvdb_connection_desc *d)
{
	(void)opaque;
	return d->port_deleted ? 0 : 1;
}

static int on_port(void *opaque, struct hvdb *hv,
		   const struct hvdb_port_desc *d)
{
	struct fake_vmm *vmm = opaque;
	struct hvdb_port_stats st;

	vmm->ports_seen++;
	if (vmm->fail_port && vmm->ports_seen == 2)
		return vmm->fail_port;
	/* the counters are back before the hook; live connections are not */
	if (hvdb_port_stats(hv, d->id, &st) ||
	    st.triggers != d->stats.triggers ||
	    st.offloaded != d->stats.offloaded ||
	    hvdb_connection_foreach(hv, only_deleted, NULL))
		vmm->bad_order = true;
	return hvdb_port_set_eventfd(hv, d->id, FAKE_EVENTFD_BASE + (int)d->id);
}

static const struct hvdb_snapshot_restore_ops vmm_ops = {
	.partition_restored = on_partition,
	.port_restored = on_port,
};

/* Into a backend-carrying hypervisor: every connection is attached once
 * through the normal connect path, live ones with their port's eventfd
 * (as KVM ioeventfds would be registered), and destroy detaches them all. */
static void test_restore_reattaches_backends(void **state)
{
	struct hvdb_snapshot_error err;
	unsigned seeds_with_deleted = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct fake_vmm vmm = { 0 };
		struct hvdb *x = random_state(seed, NULL), *y = NULL;
		struct counts c = count(x);
		struct rng r = { seed };
		size_t len;
		char *json = save(x, &len);

		assert_int_equal(hvdb_snapshot_restore(json, len, &vmm_ops,
						       &vmm, &y, &err),
				 0);
		assert_false(vmm.bad_order);
		assert_int_equal(vmm.partitions_seen, c.partitions);
		assert_int_equal(vmm.ports_seen, c.ports);
		assert_int_equal(vmm.attached, c.connections);
		assert_int_equal(vmm.attached_with_eventfd, c.live_connections);
		assert_same_lookups(x, y, &r);
		if (c.connections > c.live_connections)
			seeds_with_deleted++;
		hvdb_destroy(y);
		assert_int_equal(vmm.detached, vmm.attached);
		hvdb_destroy(x);
		free(json);
	}
	assert_true(seeds_with_deleted > 5);
}

/* A hook that fails abandons the restore: its code comes back, *out is
 * NULL and every attached trigger was detached again. */
static void test_failing_hook_abandons(void **state)
{
	static const int codes[] = { -EIO, 1 };
	static const int want[] = { -EIO, -ECANCELED };
	struct hvdb_snapshot_error err;
	struct hvdb *x = NULL, *y;
	struct counts c;
	size_t len;
	char *json;

	(void)state;
	/* a state where triggers are attached before the 2nd port's hook */
	for (uint64_t seed = 1;; seed++) {
		x = random_state(seed, NULL);
		c = count(x);
		if (c.ports >= 2 && c.connections > c.live_connections)
			break;
		hvdb_destroy(x);
	}
	json = save(x, &len);
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		struct fake_vmm vmm = { .fail_port = codes[i] };

		y = (struct hvdb *)(uintptr_t)1;
		assert_int_equal(hvdb_snapshot_restore(json, len, &vmm_ops,
						       &vmm, &y, &err),
				 want[i]);
		assert_null(y);
		assert_int_equal(err.code, want[i]);
		assert_non_null(strstr(err.message, "restore hook failed"));
		assert_true(vmm.attached > 0);
		assert_int_equal(vmm.detached, vmm.attached);
	}
	hvdb_destroy(x);
	free(json);
}

/* A document that will be refused never reaches a hook: the VMM has
 * nothing to undo. */
static void test_refused_document_runs_no_hook(void **state)
{
	/* a last connection in a partition that does not exist */
	static const char bad_tail[] =
		",\n{\"partition\":\"0x77\",\"id\":1,\"port_id\":1,"
		"\"port_deleted\":true,\"gpa\":\"0x0\",\"value\":\"0x0\","
		"\"flags\":\"0x0\"}\n]}\n";
	struct hvdb_snapshot_error err;
	struct fake_vmm vmm = { 0 };
	struct hvdb *x = random_state(11, NULL), *y;
	size_t len;
	char *json = save(x, &len);
	char *end = strstr(json, "\n]}"), *doc;

	(void)state;
	assert_true(count(x).connections > 0);
	assert_non_null(end);
	doc = malloc(len + sizeof(bad_tail));
	assert_non_null(doc);
	memcpy(doc, json, (size_t)(end - json));
	strcpy(doc + (end - json), bad_tail);
	assert_int_equal(hvdb_snapshot_restore(doc, strlen(doc), &vmm_ops, &vmm,
					       &y, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "unknown-partition"));
	assert_int_equal(vmm.partitions_seen, 0);
	assert_int_equal(vmm.ports_seen, 0);
	assert_int_equal(vmm.attached, 0);
	free(doc);
	hvdb_destroy(x);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_reattaches_backends),
		cmocka_unit_test(test_failing_hook_abandons),
		cmocka_unit_test(test_refused_document_runs_no_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
