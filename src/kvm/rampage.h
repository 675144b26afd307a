/* rampage.h - RAM doorbells (SPEC §5): pages of guest RAM held read-only
 * through the VMM's memory hook while doorbells sit on them. */
#ifndef HVDB_KVM_RAMPAGE_H
#define HVDB_KVM_RAMPAGE_H

#include <stdbool.h>

#include "attach.h"

/* Takes a reference on the page of (gpa); the first asks the VMM's hook
 * to make it read-only. Sets *held when the page is held (the reference
 * must be dropped with rampage_unref), leaves it false when the VMM has
 * no RAM there (or no hook). 0 or -errno (nothing held then). Called
 * with k->lock held. */
int rampage_ref(struct hvdb_kvm *k, hvdb_gpa_t gpa, bool *held);
/* Drops it; the last one makes the page ordinary RAM again. Called with
 * k->lock held. */
void rampage_unref(struct hvdb_kvm *k, hvdb_gpa_t gpa);

#endif
