/* run_script.c - `hvdb run --script FILE` (SPEC §6): the scenario as
 * `hvdb replay` runs it, with every guest partition a KVM VM and every
 * write a guest store. The VMM's own memory (code, stacks, page tables)
 * goes where no GPA the scenario names lies: every line is read once
 * beforehand for them, and the snapshots it restores too. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvdb/hvdb.h>
#include <hvdb/introspect.h>
#include <hvdb/kvm.h>
#include <hvdb/snapshot.h>

#include "commands.h"
#include "run_script.h"
#include "scenario.h"
#include "script.h"

static int avoid_connection(void *opaque, const struct hvdb_connection_desc *d)
{
	(void)kvm_script_avoid(
		opaque, d->info.DoorbellConnectionInfo.GuestPhysicalAddress, 8);
	return 0;
}

static int avoid_ram(void *opaque, const struct hvdb_partition_desc *d)
{
	for (size_t i = 0; i < d->ram_count; i++)
		(void)kvm_script_avoid(opaque, d->ram[i].start, d->ram[i].size);
	return 0;
}

/* The RAM and doorbell GPAs of the snapshot at (path), if it is one now
 * (a snapshot the scenario writes itself holds only GPAs its lines
 * name). Best effort, as every avoidance: what cannot be read is not
 * avoided, and `restore` then reports it. */
static void avoid_snapshot(struct kvm_script *ks, const char *path)
{
	struct hvdb_snapshot_error err;
	struct hvdb *hv;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	if (hvdb_snapshot_restore_file(f, NULL, NULL, &hv, &err) == 0) {
		(void)hvdb_partition_foreach(hv, avoid_ram, ks);
		(void)hvdb_connection_foreach(hv, avoid_connection, ks);
		hvdb_destroy(hv);
	}
	fclose(f);
}

/* Names every GPA of (line) that the VMM must stay away from. Failures
 * to record one (out of memory) are left to the run: the region might
 * then collide, which the scenario's results show. */
static void avoid_line(struct kvm_script *ks, const struct scenario_cmd *c)
{
	const uint8_t *in = c->hypercall.input.data;
	uint64_t gpa;

	switch (c->verb) {
	case SCENARIO_PARTITION:
		for (size_t i = 0; i < c->partition.ram.count; i++)
			(void)kvm_script_avoid(ks,
					       c->partition.ram.range[i].start,
					       c->partition.ram.range[i].size);
		break;
	case SCENARIO_CONNECT:
		(void)kvm_script_avoid(
			ks,
			c->connect.in.ConnectionInfo.DoorbellConnectionInfo
				.GuestPhysicalAddress,
			8);
		break;
	case SCENARIO_WRITE:
		(void)kvm_script_avoid(ks, c->write.gpa, c->write.len);
		break;
	case SCENARIO_IOEVENTFD:
		(void)kvm_script_avoid(ks, c->ioeventfd.args.addr, 8);
		break;
	case SCENARIO_WHP_REGISTER:
		(void)kvm_script_avoid(ks, c->whp.match.GuestAddress, 8);
		break;
	case SCENARIO_RESTORE:
		avoid_snapshot(ks, c->file.path);
		break;
	case SCENARIO_HYPERCALL:
		if (c->hypercall.code != HVCALL_CONNECT_PORT ||
		    c->hypercall.input.len != sizeof(HV_INPUT_CONNECT_PORT))
			break;
		memcpy(&gpa, in + 40, sizeof(gpa)); /* ConnectionInfo.GPA */
		(void)kvm_script_avoid(ks, gpa, 8);
		break;
	default:
		break;
	}
}

/* Parses every line once, only to learn the GPAs it names. */
static void prescan(struct kvm_script *ks, const char *text, size_t size)
{
	const char *at = text, *end = text + size;
	struct scenario_cmd cmd;

	while (at < end) {
		const char *nl = memchr(at, '\n', (size_t)(end - at));
		size_t len = nl ? (size_t)(nl - at) : (size_t)(end - at);
		char *line = malloc(len + 2);

		if (!line)
			return;
		memcpy(line, at, len);
		line[len] = line[len + 1] = '\0';
		if (!scenario_parse_line(line, len, &cmd))
			avoid_line(ks, &cmd);
		free(line);
		at += len + 1;
	}
}

static int script_write(void *opaque, struct hvdb *hv, uint64_t partition,
			hvdb_gpa_t gpa, unsigned len, uint64_t value,
			struct hvdb_write_outcome *out, char *note,
			size_t note_size)
{
	struct kvm_script *ks = opaque;
	bool injected;
	int rc;

	(void)hv;
	rc = kvm_script_write(ks, partition, gpa, len, value, out, &injected);
	if (rc < 0)
		fprintf(stderr, "hvdb: run: %s\n", kvm_script_error(ks));
	else if (injected)
		snprintf(note, note_size,
			 "injected: no single guest store for this write");
	return rc;
}

static int script_partition(void *opaque, struct hvdb *hv,
			    const struct hvdb_partition_config *config)
{
	struct kvm_script *ks = opaque;
	int rc;

	rc = kvm_script_partition(ks, hv, config);
	if (rc < 0)
		fprintf(stderr, "hvdb: run: partition %" PRIu64 ": %s%s%s\n",
			config->id, strerror(-rc),
			*kvm_script_error(ks) ? ": " : "",
			kvm_script_error(ks));
	return rc;
}

static void script_hv_replaced(void *opaque, struct hvdb *hv)
{
	kvm_script_use_hv(opaque, hv);
}

static const struct scenario_ops script_ops = {
	.write = script_write,
	.partition_created = script_partition,
	.hv_replaced = script_hv_replaced,
};

/* Reads all of (path) ("-" is standard input) into a new buffer. */
static char *slurp(const char *path, size_t *size)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL, *grown;
	size_t cap = 0, n;

	*size = 0;
	if (!f)
		return NULL;
	do {
		if (*size + 4096 > cap) {
			grown = realloc(buf, cap * 2 + 8192);
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap = cap * 2 + 8192;
		}
		n = fread(buf + *size, 1, cap - *size - 1, f);
		*size += n;
	} while (n > 0);
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

int run_script(const struct run_script_config *o)
{
	struct kvm_script_config kc = {
		.offload = o->offload,
		.offload_limit = o->offload_limit,
		.debug = o->debug,
	};
	struct kvm_script *ks = NULL;
	struct kvm_script_stats st;
	struct scenario sc = { .ops = &script_ops };
	size_t size;
	char *text = slurp(o->path, &size);
	FILE *in;
	int status = CLI_EXIT_FAIL;

	if (!text) {
		fprintf(stderr, "hvdb: run: %s: %s\n", o->path,
			errno ? strerror(errno) : "cannot read");
		return CLI_EXIT_FAIL;
	}
	kc.hv = sc.hv = hvdb_create(NULL);
	in = size ? fmemopen(text, size, "r") : fopen("/dev/null", "r");
	if (!sc.hv || !in || kvm_script_create(&kc, &ks) < 0) {
		fprintf(stderr, "hvdb: run: out of memory\n");
		goto out;
	}
	sc.opaque = ks;
	prescan(ks, text, size);
	status = scenario_run(&sc, in, stdout, stderr);
	kvm_script_get_stats(ks, &st);
	if (o->debug)
		fprintf(stderr,
			"hvdb: run: %" PRIu64 " guest stores (%" PRIu64
			" caught in-kernel, %" PRIu64
			" of them dropped), %" PRIu64
			" writes injected into the MMIO path (no single store "
			"makes them)\n",
			st.stores, st.offloaded_fires + st.offloaded_drops,
			st.offloaded_drops, st.injected);
out:
	if (in)
		fclose(in);
	hvdb_destroy(sc.hv); /* detaches the backends: before the VMs go */
	kvm_script_destroy(ks);
	free(text);
	return status;
}
