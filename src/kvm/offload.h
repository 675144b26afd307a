/* offload.h - doorbell connections offloaded to KVM ioeventfds (SPEC §5):
 * the backend ops that libhvdb calls on every connect and disconnect of
 * the attached partition. */
#ifndef HVDB_KVM_OFFLOAD_H
#define HVDB_KVM_OFFLOAD_H

#include <hvdb/backend.h>

#include "attach.h"

/* The ops hvdb_kvm_attach registers, with the struct hvdb_kvm as opaque. */
extern const struct hvdb_backend_ops offload_ops;

/* hvdb_kvm_account, hvdb_kvm_connection_get: see hvdb/kvm.h. */
int64_t offload_account(struct hvdb_kvm *k, int efd, uint64_t count);
int offload_connection_get(struct hvdb_kvm *k, HV_CONNECTION_ID id,
			   struct hvdb_kvm_connection *out);

#endif
