/* bench_vm.h - the guest the KVM sections measure with: the built-in
 * guest's bench loop (long mode, its stores at CPL3, as `hvdb run`'s
 * producers) on a VM of the demo VMM, attached to one hvdb partition
 * with libhvdb-kvm under a chosen offload policy. */
#ifndef HVDB_BENCH_VM_H
#define HVDB_BENCH_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <hvdb/kvm.h>

#include "boot.h"

struct kvm_vm;

/* Called on each MMIO write exit of the guest. */
typedef void (*bench_mmio_fn)(void *ctx, uint64_t gpa, const void *data,
			      unsigned len);

struct bench_vm {
	struct kvm_vm *vm;
	struct boot_one bo; /* bo.bench, bo.table: the loop's controls */
	bench_mmio_fn fn;
	void *ctx;
	pthread_t thread; /* bench_vm_start */
	bool running;
	int rc; /* the thread's bench_vm_run result */
};

/* A VM for partition (partition) of (hv) (which exists), attached with
 * (policy) and (opt) (NULL: defaults), the guest booted and stopped at
 * its first DONE report. MMIO writes go to hvdb_kvm_mmio_write. 0, 1 when
 * KVM cannot be used here (said on stderr), or -errno. */
int bench_vm_open(struct bench_vm *b, struct hvdb *hv, uint64_t partition,
		  enum hvdb_kvm_policy policy,
		  const struct hvdb_kvm_options *opt);
/* Destroys the VM (detaching the partition: its hvdb may go first). */
void bench_vm_close(struct bench_vm *b);

/* Stores (n) doorbells of guest table entries: (gpa, len, value) each,
 * and maps their pages. 0 or -errno. */
int bench_vm_table(struct bench_vm *b, const struct guest_doorbell *t,
		   uint32_t n);
/* Runs one trial of the loop on this thread: (limit) stores (0: until
 * bench_vm_stop), pingpong or not. 0 or -errno. */
int bench_vm_run(struct bench_vm *b, uint64_t limit, bool pingpong);
/* The same on a thread of its own; bench_vm_stop ends it and joins. */
int bench_vm_start(struct bench_vm *b, uint64_t limit, bool pingpong);
int bench_vm_stop(struct bench_vm *b);
/* Stores made so far in this trial. */
uint64_t bench_vm_done(struct bench_vm *b);

#endif
