/* offload.h - doorbell connections offloaded to KVM ioeventfds (SPEC §5).
 *
 * The backend ops of a partition running on KVM. Each connection is
 * registered with KVM_IOEVENTFD when it can be; what KVM refuses stays on
 * the MMIO-exit path (mmio.c) with identical semantics. A doorbell on a
 * RAM page makes that page read-only while the connection exists.
 */
#ifndef HVDB_KVM_OFFLOAD_H
#define HVDB_KVM_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <hvdb/hvdb.h>

struct kvm_vm;

/* Which path catches the writes of one connection. */
enum kvm_offload_path {
	OFFLOAD_KVM,  /* in-kernel ioeventfd(s) on an eventfd */
	OFFLOAD_NONE, /* MMIO exit to userspace, hvdb_write() */
};

#define KVM_OFFLOAD_NO_LIMIT UINT32_MAX

struct kvm_offload_stats {
	uint32_t offloaded;	  /* connections now on OFFLOAD_KVM */
	uint32_t userspace;	  /* connections now on OFFLOAD_NONE */
	uint32_t ioeventfds;	  /* ioeventfds now registered */
	uint64_t registrations;	  /* KVM_IOEVENTFD assigns done */
	uint64_t unregistrations; /* ... deassigns done */
	uint64_t register_ns;	  /* time spent in them */
	uint64_t unregister_ns;
	uint64_t refused; /* connections KVM refused (fallbacks) */
};

/* Creates/destroys vm->offload (kvm_vm_create/destroy do it). */
int kvm_offload_create(struct kvm_vm *vm);
void kvm_offload_destroy(struct kvm_vm *vm);

/* Registers the backend on vm's partition: hvdb_partition_set_backend
 * with these ops. 0 or its -errno. */
int kvm_offload_register(struct kvm_vm *vm);
/* Clears it (the partition must have no connections left). */
void kvm_offload_unregister(struct kvm_vm *vm);

/* Offload on or off, and at most (limit) offloaded connections; affects
 * later connects only. */
void kvm_offload_set_enabled(struct kvm_vm *vm, bool enabled);
void kvm_offload_set_limit(struct kvm_vm *vm, uint32_t limit);

/* Path and eventfd of connection (id) of the partition: 0, or -ENOENT.
 * (efd) is the eventfd its ioeventfds signal, -1 on OFFLOAD_NONE. */
int kvm_offload_lookup(struct kvm_vm *vm, HV_CONNECTION_ID id,
		       enum kvm_offload_path *path, int *efd);

void kvm_offload_get_stats(struct kvm_vm *vm, struct kvm_offload_stats *out);

/* Accounts (count) signals read from an offloaded connection's eventfd to
 * (port): hvdb_port_account_offloaded, or, when the port is gone (SPEC §3
 * DeletePort), counts them as dropped into *dropped. 0 or -errno. */
int kvm_offload_account(struct kvm_vm *vm, HV_PORT_ID port, uint64_t count,
			uint64_t *dropped);

#endif
