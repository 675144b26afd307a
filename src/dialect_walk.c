/* dialect_walk.c - the live registrations of the client dialects in id
 * order, with their eventfd groups (registrations that signal one open
 * file description share a group number). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "hv.h"

static void describe(const struct dialect_record *rec, uint32_t group,
		     struct hvdb_doorbell_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->dialect = rec->dialect;
	d->partition = rec->partition;
	d->id = rec->id;
	if (rec->dialect == HVDB_DIALECT_IOEVENTFD) {
		d->ioeventfd = rec->ioeventfd;
		d->ioeventfd.fd = rec->eventfd;
	} else {
		d->whp = rec->whp;
	}
	d->eventfd = rec->eventfd;
	d->eventfd_group = group;
}

struct walk {
	struct dialect_record **rec; /* by ascending id */
	uint32_t *order;	     /* indexes of rec, by eventfd */
	uint32_t *group;	     /* per rec */
};

static int by_eventfd(const void *a, const void *b, void *arg)
{
	struct dialect_record **rec = arg;
	int err;
	int cmp = dialect_eventfd_cmp(rec[*(const uint32_t *)a]->eventfd,
				      rec[*(const uint32_t *)b]->eventfd, &err);

	/* Uncomparable: every eventfd its own group, in id order. */
	if (err)
		return (*(const uint32_t *)a > *(const uint32_t *)b) -
		       (*(const uint32_t *)a < *(const uint32_t *)b);
	return cmp;
}

/* Numbers the eventfd groups by first appearance in id order: sorted by
 * open file description, each group is one run of (order). */
static void number_groups(struct walk *w, uint32_t n)
{
	uint32_t i, j, k, next = 0;

	/* qsort_r's array may not be NULL, which an empty walk's is. */
	if (n > 1)
		qsort_r(w->order, n, sizeof(*w->order), by_eventfd, w->rec);
	/* First, each record's group leader: the lowest index of its run. */
	for (i = 0; i < n; i = j) {
		uint32_t lead = w->order[i];

		for (j = i + 1; j < n && by_eventfd(&w->order[i], &w->order[j],
						    w->rec) == 0;
		     j++)
			if (w->order[j] < lead)
				lead = w->order[j];
		for (k = i; k < j; k++)
			w->group[w->order[k]] = lead;
	}
	/* Then leaders get 0, 1, 2... in id order ((order) now maps a
	 * leader to its number), and the others their leader's number. */
	for (i = 0; i < n; i++) {
		if (w->group[i] == i)
			w->order[i] = next++;
		w->group[i] = w->order[w->group[i]];
	}
}

int dialect_walk_locked(struct hvdb *hv,
			int (*fn)(void *opaque,
				  const struct hvdb_doorbell_desc *),
			void *opaque)
{
	struct dialect_state *d = &hv->dialects;
	struct hvdb_doorbell_desc desc;
	struct walk w = { 0 };
	uint32_t n = 0;
	int ret = 0;

	if (d->count) {
		w.rec = malloc(d->count * sizeof(*w.rec));
		w.order = malloc(d->count * sizeof(*w.order));
		w.group = malloc(d->count * sizeof(*w.group));
		if (!w.rec || !w.order || !w.group) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < d->cap && n < d->count; i++)
		if (d->by_id[i]) {
			w.order[n] = n;
			w.rec[n++] = d->by_id[i];
		}
	number_groups(&w, n);
	for (uint32_t i = 0; i < n && ret == 0; i++) {
		describe(w.rec[i], w.group[i], &desc);
		ret = fn(opaque, &desc);
	}
out:
	free(w.rec);
	free(w.order);
	free(w.group);
	return ret;
}

int hvdb_doorbell_foreach(struct hvdb *hv,
			  int (*fn)(void *opaque,
				    const struct hvdb_doorbell_desc *),
			  void *opaque)
{
	int ret;

	dialect_lock(hv);
	ret = dialect_walk_locked(hv, fn, opaque);
	dialect_unlock(hv);
	return ret;
}
