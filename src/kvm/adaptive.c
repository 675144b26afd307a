/* adaptive.c - the ADAPTIVE offload policy (issue 11): connections start
 * on the exit path, which costs KVM nothing to set up; a maintenance pass
 * that the VMM runs every HVDB_KVM_MAINTAIN_PERIOD_MS promotes the ones
 * whose write rate proves them hot to ioeventfds and demotes cold ones,
 * under a budget of ioeventfds and of time spent in KVM_IOEVENTFD.
 *
 * Exactly once across a path change, by source rather than by a flag: a
 * promoted connection's ioeventfds signal an eventfd of its own (never
 * the port's), which only the kernel signals, so what is read from it
 * are in-kernel fires of that connection; its exits go through
 * hvdb_kvm_mmio_write() (hvdb_write) and are counted there. Each guest
 * write is matched in-kernel or exits, never both, whatever the path is
 * at that instant, also half-way through registering the four ioeventfds
 * of a SIZE_ANY trigger. A demotion deassigns (after KVM_IOEVENTFD
 * returns the kernel signals no more: it waited for SRCU readers), then
 * reads the eventfd one last time and closes it.
 *
 * KVM's costs, measured (bench/README.md): an assign walks and copies
 * the whole io bus (~2 us + ~12 ns per registered ioeventfd); a deassign
 * also waits for an SRCU grace period, ~8 ms when an assign came less
 * than ~16 ms before it, ~30 us otherwise. So a pass runs every deassign
 * first, then the assigns, and passes are HVDB_KVM_MAINTAIN_PERIOD_MS
 * apart: no deassign of ours follows an assign of ours within a grace
 * period.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "adaptive.h"
#include "offload.h"

#define HITS_PAGE ATTACH_HITS_PAGE
#define POLL_BATCH 64

/* A connection's exits: the counter of its id (lock-free, from the exit
 * path), or NULL when it has none yet. */
static uint64_t *hits_of(struct hvdb_kvm *k, HV_CONNECTION_ID id)
{
	uint64_t *page;

	if (id > HV_CONNECTION_ID_MASK)
		return NULL;
	page = __atomic_load_n(&k->hits[id / HITS_PAGE], __ATOMIC_ACQUIRE);
	return page ? &page[id % HITS_PAGE] : NULL;
}

void adaptive_count_exit(struct hvdb_kvm *k, HV_CONNECTION_ID id)
{
	uint64_t *h = hits_of(k, id);

	if (h)
		__atomic_add_fetch(h, 1, __ATOMIC_RELAXED);
}

void adaptive_baseline(struct hvdb_kvm *k, struct offload_conn *c)
{
	const uint64_t *h = hits_of(k, c->trigger.connection_id);

	/* An id in use before counted exits into the same counter. */
	c->seen_exits = h ? __atomic_load_n(h, __ATOMIC_RELAXED) : 0;
	c->seen_kernel = c->fires + c->drops;
	c->last_write_ns = attach_now_ns();
}

int adaptive_track(struct hvdb_kvm *k, HV_CONNECTION_ID id)
{
	uint64_t *page;

	if (id > HV_CONNECTION_ID_MASK || hits_of(k, id))
		return 0;
	if (attach_fault(k, ATTACH_FAULT_ALLOC))
		return -ENOMEM;
	page = calloc(HITS_PAGE, sizeof(*page));
	if (!page)
		return -ENOMEM;
	/* Published once, freed with the attachment. */
	__atomic_store_n(&k->hits[id / HITS_PAGE], page, __ATOMIC_RELEASE);
	return 0;
}

/* Counts (count) signals read from (c)'s own eventfd: fires of its port,
 * or drops when the port was deleted. Called with k->lock held. */
static void account(struct hvdb_kvm *k, struct offload_conn *c, uint64_t count)
{
	int rc = c->port_deleted ? -ENOENT
				 : hvdb_port_account_offloaded(
					   k->hv, c->trigger.port_id, count);

	/* -ENOENT: the port is gone (its port_deleted call waits for our
	 * lock): drops, SPEC §3. Any other failure: not counted at all. */
	if (rc < 0 && rc != -ENOENT)
		attach_debug(k, "conn %u: accounting %llu fires failed",
			     c->trigger.connection_id,
			     (unsigned long long)count);
	else
		offload_note_fires(k, c, count, rc < 0 ? 0 : count);
}

/* Reads what (c)'s own eventfd holds and accounts it. Called with k->lock
 * held. The count read, or 0. */
static uint64_t drain(struct hvdb_kvm *k, struct offload_conn *c)
{
	eventfd_t n = 0;

	if (!c->efd_owned || eventfd_read(c->efd, &n) < 0 || !n)
		return 0;
	account(k, c, n);
	return n;
}

int64_t adaptive_poll(struct hvdb_kvm *k, hvdb_kvm_fired_fn fn, void *opaque)
{
	struct epoll_event ev[POLL_BATCH];
	int64_t total = 0;
	int n;

	if (k->epfd < 0)
		return 0;
	n = epoll_wait(k->epfd, ev, POLL_BATCH, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct offload_conn *c;
		HV_PORT_ID port = 0;
		HV_CONNECTION_ID id = 0;
		uint64_t got = 0;

		/* By fd under the lock: a connection demoted meanwhile is no
		 * longer found, an fd number reused since is another of our
		 * eventfds or nothing of ours. */
		pthread_mutex_lock(&k->lock);
		c = offload_find_efd(k, ev[i].data.fd);
		if (c && c->efd_owned) {
			got = drain(k, c);
			port = c->trigger.port_id;
			id = c->trigger.connection_id;
		}
		pthread_mutex_unlock(&k->lock);
		if (got && fn)
			fn(opaque, port, id, got);
		total += (int64_t)got;
	}
	return total;
}

/* Gives (c) an eventfd of its own and its ioeventfds. 0, or -errno with
 * (c) untouched on the exit path (what KVM took meanwhile is accounted).
 * Called with k->change held, k->lock not. */
static int promote(struct hvdb_kvm *k, struct offload_conn *c)
{
	struct kvm_ioeventfd reg[OFFLOAD_MAX_FDS];
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned n, i = 0;
	eventfd_t left;
	int efd, rc = 0;

	efd = attach_fault(k, ATTACH_FAULT_EVENTFD)
		      ? -1
		      : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return -EMFILE;
	n = offload_plan(&c->trigger, efd, reg);
	for (i = 0; i < n; i++) {
		rc = offload_ioeventfd(k, &reg[i], false);
		if (rc < 0)
			goto err_undo;
	}
	ev.data.fd = efd;
	pthread_mutex_lock(&k->lock);
	offload_set_kvm(k, c, efd, true, reg, n);
	if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, efd, &ev) < 0)
		attach_debug(k, "conn %u: epoll_ctl: %s",
			     c->trigger.connection_id, strerror(errno));
	k->stats.promotions++;
	pthread_mutex_unlock(&k->lock);
	return 0;

err_undo:
	while (i--)
		(void)offload_ioeventfd(k, &reg[i], true);
	/* Writes KVM took while half registered are fires all the same. */
	if (eventfd_read(efd, &left) == 0 && left) {
		pthread_mutex_lock(&k->lock);
		account(k, c, left);
		pthread_mutex_unlock(&k->lock);
	}
	close(efd);
	return rc;
}

/* Back to the exit path: ioeventfds, then the last signals, then the
 * eventfd. Called with k->change held, k->lock not. */
static void demote(struct hvdb_kvm *k, struct offload_conn *c)
{
	offload_deassign(k, c);
	pthread_mutex_lock(&k->lock);
	adaptive_release(k, c);
	offload_set_exit(k, c);
	k->stats.demotions++;
	pthread_mutex_unlock(&k->lock);
}

void adaptive_release(struct hvdb_kvm *k, struct offload_conn *c)
{
	if (!c->efd_owned)
		return;
	(void)drain(k, c);
	if (k->epfd >= 0)
		(void)epoll_ctl(k->epfd, EPOLL_CTL_DEL, c->efd, NULL);
}

/* One connection in a maintenance pass, and its writes/s. */
struct ranked {
	struct offload_conn *c;
	uint64_t rate;
};

static int by_rate_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return (x->rate < y->rate) - (x->rate > y->rate);
}

/* What a pass decided: demote d[0..nd), then promote p[0..np). */
struct pass {
	struct ranked *cand, *offl;
	size_t ncand, noffl;
	struct offload_conn **d, **p;
	size_t nd, np;
};

/* Writes of (c) since the last pass, per second of (dt_ns); remembers
 * what it saw. Called with k->lock held. */
static uint64_t rate_of(struct hvdb_kvm *k, struct offload_conn *c,
			uint64_t now, uint64_t dt_ns)
{
	const uint64_t *h = hits_of(k, c->trigger.connection_id);
	uint64_t exits = h ? __atomic_load_n(h, __ATOMIC_RELAXED) : 0;
	uint64_t kernel = c->fires + c->drops;
	uint64_t w = (exits - c->seen_exits) + (kernel - c->seen_kernel);

	c->seen_exits = exits;
	c->seen_kernel = kernel;
	if (w)
		c->last_write_ns = now;
	return (uint64_t)((double)w * 1e9 / (double)dt_ns);
}

/* Ranks every connection. Called with k->lock held. 0 or -ENOMEM. */
static int rank(struct hvdb_kvm *k, struct pass *ps, uint64_t now,
		uint64_t dt_ns)
{
	const uint64_t promote = k->opt.adaptive_promote_wps;
	size_t n = k->stats.offloaded + k->stats.userspace;
	struct offload_conn *c;

	ps->cand = calloc(n + 1, sizeof(*ps->cand));
	ps->offl = calloc(n + 1, sizeof(*ps->offl));
	ps->d = calloc(n + 1, sizeof(*ps->d));
	ps->p = calloc(n + 1, sizeof(*ps->p));
	if (!ps->cand || !ps->offl || !ps->d || !ps->p)
		return -ENOMEM;
	for (c = offload_next(k, NULL); c; c = offload_next(k, c)) {
		uint64_t r = rate_of(k, c, now, dt_ns);

		if (c->path == HVDB_KVM_PATH_EXIT && !c->no_promote &&
		    !c->port_deleted && r >= promote)
			ps->cand[ps->ncand++] = (struct ranked){ c, r };
		else if (c->path == HVDB_KVM_PATH_IOEVENTFD && c->efd_owned)
			ps->offl[ps->noffl++] = (struct ranked){ c, r };
	}
	qsort(ps->cand, ps->ncand, sizeof(*ps->cand), by_rate_desc);
	qsort(ps->offl, ps->noffl, sizeof(*ps->offl), by_rate_desc);
	return 0;
}

/* The budget: idle ones leave; each candidate, hottest first, gets room
 * if there is some, or if the coldest offloaded ones are at most half as
 * hot (hysteresis: no swapping of equals every pass). Called with
 * k->lock held. */
static void decide(struct hvdb_kvm *k, struct pass *ps, uint64_t now)
{
	const uint64_t idle_ns = (uint64_t)k->opt.adaptive_idle_ms * 1000000;
	const uint32_t max = k->opt.adaptive_max_ioeventfds;
	const uint32_t limit = k->opt.offload_limit;
	/* Room in ioeventfds (the budget) and in connections (the limit). */
	uint64_t room =
		k->stats.ioeventfds < max ? max - k->stats.ioeventfds : 0;
	uint64_t seats =
		k->stats.offloaded < limit ? limit - k->stats.offloaded : 0;
	size_t cold = ps->noffl; /* offl[cold..] are taken for demotion */
	struct kvm_ioeventfd reg[OFFLOAD_MAX_FDS];

	while (cold > 0 &&
	       now - ps->offl[cold - 1].c->last_write_ns >= idle_ns) {
		ps->d[ps->nd++] = ps->offl[--cold].c;
		room += ps->offl[cold].c->nreg;
		seats++;
	}
	for (size_t i = 0; i < ps->ncand; i++) {
		const struct ranked *want = &ps->cand[i];
		unsigned need = offload_plan(&want->c->trigger, -1, reg);

		while ((room < need || !seats) && cold > 0 &&
		       ps->offl[cold - 1].rate * 2 <= want->rate) {
			ps->d[ps->nd++] = ps->offl[--cold].c;
			room += ps->offl[cold].c->nreg;
			seats++;
		}
		if (room < need || !seats)
			break;
		room -= need;
		seats--;
		ps->p[ps->np++] = want->c;
	}
}

static void pass_free(struct pass *ps)
{
	free(ps->cand);
	free(ps->offl);
	free(ps->d);
	free(ps->p);
}

int adaptive_maintain(struct hvdb_kvm *k)
{
	struct pass ps = { 0 };
	uint64_t now, spent = 0, t0;
	int rc = 0;

	pthread_mutex_lock(&k->change);
	now = attach_now_ns();
	pthread_mutex_lock(&k->lock);
	if (k->opt.policy != HVDB_KVM_OFFLOAD_ADAPTIVE ||
	    now - k->last_pass_ns < ADAPTIVE_MIN_PERIOD_NS) {
		pthread_mutex_unlock(&k->lock);
		goto out;
	}
	rc = rank(k, &ps, now, now - k->last_pass_ns);
	if (!rc)
		decide(k, &ps, now);
	k->last_pass_ns = now;
	k->stats.passes++;
	pthread_mutex_unlock(&k->lock);
	/* Deassigns first, in a row: each waits for readers of the io bus,
	 * and none follows an assign of this pass. */
	for (size_t i = 0; i < ps.nd; i++)
		demote(k, ps.d[i]);
	for (size_t i = 0; i < ps.np; i++) {
		if (spent >= (uint64_t)k->opt.adaptive_pass_budget_us * 1000)
			break;
		t0 = attach_now_ns();
		if (promote(k, ps.p[i]) < 0)
			ps.p[i]->no_promote = true; /* KVM said no: for good */
		spent += attach_now_ns() - t0;
	}
	rc = rc ? rc : (int)(ps.nd + ps.np);
out:
	pass_free(&ps);
	pthread_mutex_unlock(&k->change);
	return rc;
}

int adaptive_set_path(struct hvdb_kvm *k, HV_CONNECTION_ID id,
		      enum hvdb_kvm_path path)
{
	struct offload_conn *c;
	int rc = 0;

	pthread_mutex_lock(&k->change);
	pthread_mutex_lock(&k->lock);
	c = offload_find_id(k, id);
	if (!c)
		rc = -ENOENT;
	else if (c->path == path)
		c = NULL;
	/* In-kernel fires on the port's own eventfd cannot be told from the
	 * exits hvdb_write signals there: only our own eventfd may move. */
	else if (path == HVDB_KVM_PATH_EXIT && !c->efd_owned)
		rc = -EPERM;
	/* Its writes are drops now, on the exit path (SPEC §3). */
	else if (c->port_deleted)
		rc = -EPERM;
	pthread_mutex_unlock(&k->lock);
	if (c && !rc)
		rc = path == HVDB_KVM_PATH_IOEVENTFD ? promote(k, c)
						     : (demote(k, c), 0);
	pthread_mutex_unlock(&k->change);
	return rc;
}
