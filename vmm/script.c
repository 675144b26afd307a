/* script.c - scenarios on KVM: one VM per guest partition running the
 * built-in guest's store loop; every write a real store when it can be. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include <hvdb/kvm.h>

#include "boot.h"
#include "guest_abi.h"
#include "memory.h"
#include "mmio.h"
#include "paging.h"
#include "script.h"
#include "vcpu.h"
#include "vm.h"

#define REGION_SIZE BOOT_REGION_SIZE
#define REGION_ALIGN (1ull << 30)

struct script_vm {
	uint64_t partition;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	volatile struct guest_mailbox *mb; /* host view of the mailbox */
};

struct kvm_script {
	struct kvm_script_config cfg;
	struct hvdb_ram_range *avoid;
	size_t avoid_count, avoid_cap;
	struct script_vm *vm; /* as many as the scenario's partitions */
	size_t vm_count, vm_cap;
	struct kvm_script_stats stats;
	char error[256];
};

int kvm_script_create(const struct kvm_script_config *config,
		      struct kvm_script **out)
{
	struct kvm_script *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->cfg = *config;
	*out = s;
	return 0;
}

void kvm_script_destroy(struct kvm_script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->vm_count; i++)
		kvm_vm_destroy(s->vm[i].vm);
	free(s->vm);
	free(s->avoid);
	free(s);
}

int kvm_script_avoid(struct kvm_script *s, hvdb_gpa_t gpa, uint64_t size)
{
	struct hvdb_ram_range *grown;

	if (s->avoid_count == s->avoid_cap) {
		grown = realloc(s->avoid,
				(s->avoid_cap * 2 + 16) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->avoid = grown;
		s->avoid_cap = s->avoid_cap * 2 + 16;
	}
	s->avoid[s->avoid_count++] = (struct hvdb_ram_range){ gpa, size };
	return 0;
}

static bool overlaps(const struct hvdb_ram_range *r, hvdb_gpa_t start,
		     uint64_t size)
{
	uint64_t end;

	/* A range that wraps covers the top of the address space. */
	if (__builtin_add_overflow(r->start, r->size, &end))
		end = UINT64_MAX;
	return r->start < start + size && start < end;
}

static bool clear_of(const struct hvdb_ram_range *r, size_t n, hvdb_gpa_t b)
{
	for (size_t i = 0; i < n; i++)
		if (overlaps(&r[i], b, REGION_SIZE))
			return false;
	return true;
}

/* A 1 GiB-aligned home for the VMM region of partition (config) that no
 * GPA the scenario names and none of its RAM touches (a restored
 * partition's RAM is known only now). */
static int pick_region(struct kvm_script *s,
		       const struct hvdb_partition_config *config,
		       hvdb_gpa_t *base)
{
	for (hvdb_gpa_t b = REGION_ALIGN; b < KVM_PAGING_VA_LIMIT;
	     b += REGION_ALIGN) {
		if (clear_of(s->avoid, s->avoid_count, b) &&
		    clear_of(config->ram, config->ram_count, b)) {
			*base = b;
			return 0;
		}
	}
	snprintf(s->error, sizeof(s->error),
		 "no 1 GiB slot below %#llx is free of the scenario's GPAs "
		 "for the VMM's own memory",
		 (unsigned long long)KVM_PAGING_VA_LIMIT);
	return -ENOSPC;
}

/* Room for one more VM. 0 or -ENOMEM. */
static int reserve_vm(struct kvm_script *s)
{
	struct script_vm *grown;
	size_t cap = s->vm_cap * 2 + 8;

	if (s->vm_count < s->vm_cap)
		return 0;
	grown = realloc(s->vm, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->vm = grown;
	s->vm_cap = cap;
	return 0;
}

/* Runs the vCPU to its next request for a command. */
static int run_to_next(struct kvm_script *s, struct script_vm *sv)
{
	struct guest_mailbox mb;
	char why[224];
	int rc = kvm_vcpu_run(sv->vcpu, &mb);

	if (rc == GUEST_UCALL_NEXT)
		return 0;
	if (rc == GUEST_UCALL_ASSERT) {
		kvm_vcpu_describe_assert(sv->vcpu, &mb, why, sizeof(why));
		snprintf(s->error, sizeof(s->error), "%s", why);
	} else if (rc < 0) {
		snprintf(s->error, sizeof(s->error), "%s", sv->vcpu->error);
	} else {
		snprintf(s->error, sizeof(s->error), "guest report %d", rc);
	}
	return rc < 0 ? rc : -EPROTO;
}

static int boot_guest(struct kvm_script *s, struct script_vm *sv,
		      hvdb_gpa_t base)
{
	struct boot_one bo;
	int rc = boot_one(sv->vm, base, GUEST_MODE_SCRIPT, &bo);

	if (rc < 0)
		return rc;
	sv->vcpu = bo.vcpu;
	sv->mb = bo.mb;
	return run_to_next(s, sv);
}

int kvm_script_partition(struct kvm_script *s, struct hvdb *hv,
			 const struct hvdb_partition_config *config)
{
	struct kvm_vm_config vc = { hv, config->id, s->cfg.debug };
	struct script_vm *sv;
	hvdb_gpa_t base;
	int rc;

	s->error[0] = '\0';
	rc = reserve_vm(s);
	if (rc < 0)
		return rc;
	sv = &s->vm[s->vm_count];
	rc = pick_region(s, config, &base);
	if (rc < 0)
		return rc;
	sv->partition = config->id;
	rc = kvm_vm_create(&vc, &sv->vm);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < config->ram_count; i++) {
		const struct hvdb_ram_range *r = &config->ram[i];

		/* RAM KVM cannot back stays unbacked: writes there exit to
		 * the MMIO path, which gives the same results. */
		if (kvm_memory_add_ram(sv->vm, r->start, r->size, true) < 0)
			kvm_vm_debug(sv->vm, "ram %#llx+%#llx not backed",
				     (unsigned long long)r->start,
				     (unsigned long long)r->size);
	}
	rc = kvm_vm_attach(sv->vm,
			   s->cfg.offload ? HVDB_KVM_OFFLOAD_ALL
					  : HVDB_KVM_OFFLOAD_NONE,
			   s->cfg.offload_limit);
	if (!rc)
		rc = boot_guest(s, sv, base);
	if (rc < 0) {
		kvm_vm_destroy(sv->vm);
		return rc;
	}
	s->vm_count++;
	return 0;
}

void kvm_script_use_hv(struct kvm_script *s, struct hvdb *hv)
{
	size_t kept = 0;

	s->cfg.hv = hv;
	for (size_t i = 0; i < s->vm_count; i++) {
		if (s->vm[i].vm->hv == hv)
			s->vm[kept++] = s->vm[i];
		else
			kvm_vm_destroy(s->vm[i].vm);
	}
	s->vm_count = kept;
}

static struct script_vm *find_vm(struct kvm_script *s, uint64_t partition)
{
	for (size_t i = 0; i < s->vm_count; i++)
		if (s->vm[i].partition == partition)
			return &s->vm[i];
	return NULL;
}

/* A store that exited nowhere: an ioeventfd took it in the kernel, or it
 * was plain RAM. hvdb_match_lookup says which connection, if any. */
static int in_kernel(struct kvm_script *s, struct script_vm *sv, hvdb_gpa_t gpa,
		     unsigned len, uint64_t value,
		     struct hvdb_write_outcome *out)
{
	struct hvdb_kvm_connection c = { .size = sizeof(c) };
	eventfd_t n = 0;
	int64_t fired;
	int rc;

	rc = hvdb_match_lookup(s->cfg.hv, sv->partition, gpa, len, value, out);
	if (rc <= HVDB_WRITE_MISS)
		return rc;
	if (hvdb_kvm_connection_get(sv->vm->kvm, out->connection_id, &c) < 0 ||
	    c.path != HVDB_KVM_PATH_IOEVENTFD ||
	    eventfd_read(c.eventfd, &n) < 0 || n != 1) {
		snprintf(s->error, sizeof(s->error),
			 "write %#llx: no MMIO exit and no ioeventfd signal",
			 (unsigned long long)gpa);
		return -EPROTO;
	}
	fired = hvdb_kvm_account(sv->vm->kvm, c.eventfd, n);
	if (fired < 0)
		return (int)fired;
	if (fired != (rc == HVDB_WRITE_FIRE)) {
		snprintf(s->error, sizeof(s->error),
			 "write %#llx: the lookup says %s, the accounting %s",
			 (unsigned long long)gpa,
			 rc == HVDB_WRITE_FIRE ? "fire" : "drop",
			 fired ? "fire" : "drop");
		return -EPROTO;
	}
	if (rc == HVDB_WRITE_DROPPED)
		s->stats.offloaded_drops++;
	else
		s->stats.offloaded_fires++;
	return rc;
}

/* Empties the eventfd the store at (gpa) would signal in the kernel, if
 * any: fires on the exit path signal it too, and one eventfd may serve
 * many doorbells (SPEC §7.3 names, a port's connections), so only then
 * is in_kernel()'s read the store's own signal. Those earlier signals were
 * delivered when they happened; nothing is lost. */
static void drain_target(struct kvm_script *s, struct script_vm *sv,
			 hvdb_gpa_t gpa, unsigned len, uint64_t value)
{
	struct hvdb_kvm_connection c = { .size = sizeof(c) };
	struct hvdb_write_outcome o;
	struct pollfd p = { .events = POLLIN };
	eventfd_t n;

	if (hvdb_match_lookup(s->cfg.hv, sv->partition, gpa, len, value, &o) <=
		    HVDB_WRITE_MISS ||
	    hvdb_kvm_connection_get(sv->vm->kvm, o.connection_id, &c) < 0 ||
	    c.path != HVDB_KVM_PATH_IOEVENTFD)
		return;
	p.fd = c.eventfd;
	/* poll first: a caller's eventfd may be blocking */
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
		(void)eventfd_read(c.eventfd, &n); /* signals already counted */
}

int kvm_script_write(struct kvm_script *s, uint64_t partition, hvdb_gpa_t gpa,
		     unsigned len, uint64_t value,
		     struct hvdb_write_outcome *out, bool *injected)
{
	struct script_vm *sv = find_vm(s, partition);
	uint64_t before;
	int rc;

	s->error[0] = '\0';
	*injected = !sv || (len & (len - 1)) ||
		    (gpa % HVDB_PAGE_SIZE) + len > HVDB_PAGE_SIZE ||
		    !kvm_paging_reachable(gpa, len) ||
		    kvm_paging_map(sv->vm, gpa, len) < 0;
	if (*injected) {
		s->stats.injected++;
		/* No guest (the root) or no single store: as an exit. */
		if (!sv)
			return hvdb_write(s->cfg.hv, partition, gpa, len, value,
					  out);
		return kvm_mmio_inject_write(sv->vcpu, gpa, len, value, out);
	}
	s->stats.stores++;
	drain_target(s, sv, gpa, len, value);
	before = sv->vcpu->mmio_writes;
	sv->mb->cmd = GUEST_CMD_STORE;
	sv->mb->gpa = gpa;
	sv->mb->len = len;
	sv->mb->value = value;
	rc = run_to_next(s, sv);
	if (rc < 0)
		return rc;
	if (sv->vcpu->mmio_writes == before)
		return in_kernel(s, sv, gpa, len, value, out);
	*out = sv->vcpu->last_outcome;
	return sv->vcpu->last_result;
}

void kvm_script_get_stats(struct kvm_script *s, struct kvm_script_stats *out)
{
	*out = s->stats;
}

struct kvm_vm *kvm_script_vm(struct kvm_script *s, uint64_t partition)
{
	struct script_vm *sv = find_vm(s, partition);

	return sv ? sv->vm : NULL;
}

const char *kvm_script_error(struct kvm_script *s)
{
	return s->error;
}
