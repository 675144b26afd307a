/* scenario_dialect.c - the `ioeventfd`, `whp-register` and
 * `whp-unregister` lines of SPEC §7.3, and the eventfd names they share.
 *
 * Decisions where SPEC §7.3 is silent:
 * - A run names at most SCENARIO_EVENTFD_MAX eventfds; one more is
 *   malformed, so a scenario cannot exhaust the process's fds.
 * - Any token but "-" is a NAME ("3" is a name, not fd 3).
 * - `whp-register event=-` passes -1 as `fd=-` does: the two keys share
 *   one namespace, in which "-" is never a name.
 * - `restore FILE` gives each name back the eventfd its registrations had
 *   when this run saved FILE; a FILE saved by another run restores its
 *   registrations on fresh eventfds no name reaches.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "scenario_dialect.h"

#define SCENARIO_EVENTFD_MAX 256

struct named_eventfd {
	char *name;
	int fd;
};

/* What `snapshot FILE` saw: the name of each eventfd group, or -1. */
struct saved_names {
	char *path;
	long *name_of_group; /* index into names */
	uint32_t groups;
};

struct scenario_eventfds {
	struct named_eventfd names[SCENARIO_EVENTFD_MAX];
	size_t count;
	struct saved_names *saved;
	size_t saved_count;
	const struct saved_names *restoring; /* during a restore, or NULL */
};

/* ---- arguments ---- */

const struct scenario_arg scenario_ioeventfd_args[] = {
	ARG_POS("PARTITION", ioeventfd.partition),
	{ "gpa", true, true, ARG_NUM, ARG_FIELD(ioeventfd.args.addr) },
	ARG_KEY("len", ioeventfd.args.len),
	ARG_KEY("datamatch", ioeventfd.args.datamatch),
	{ "fd", true, false, ARG_TEXT, ARG_FIELD(ioeventfd.fd) },
	ARG_KEY("deassign", ioeventfd.deassign),
	ARG_KEY("pio", ioeventfd.pio),
	ARG_KEY("flags", ioeventfd.flags),
	ARG_KEY("rsvd", ioeventfd.rsvd),
};
_Static_assert(sizeof(scenario_ioeventfd_args) /
			       sizeof(scenario_ioeventfd_args[0]) ==
		       SCENARIO_IOEVENTFD_NARGS,
	       "SCENARIO_IOEVENTFD_NARGS");
#define IOEVENTFD_ARG_DATAMATCH 3

#define WHP_MATCH_ARGS                                     \
	ARG_POS("PARTITION", whp.partition),               \
		{ "gpa", true, true, ARG_NUM,              \
		  ARG_FIELD(whp.match.GuestAddress) },     \
		ARG_KEY("value", whp.match.Value),         \
		ARG_KEY("length", whp.match.Length),       \
		ARG_KEY("match-value", whp.match_value),   \
		ARG_KEY("match-length", whp.match_length), \
		ARG_KEY("reserved", whp.reserved)

const struct scenario_arg scenario_whp_register_args[] = {
	WHP_MATCH_ARGS,
	{ "event", true, false, ARG_TEXT, ARG_FIELD(whp.event) },
};
const struct scenario_arg scenario_whp_unregister_args[] = {
	WHP_MATCH_ARGS,
};
_Static_assert(sizeof(scenario_whp_register_args) /
			       sizeof(scenario_whp_register_args[0]) ==
		       SCENARIO_WHP_REGISTER_NARGS,
	       "SCENARIO_WHP_REGISTER_NARGS");
_Static_assert(sizeof(scenario_whp_unregister_args) /
			       sizeof(scenario_whp_unregister_args[0]) ==
		       SCENARIO_WHP_UNREGISTER_NARGS,
	       "SCENARIO_WHP_UNREGISTER_NARGS");

/* SPEC §7.3: a 0/1 key with another value is malformed. */
static const char *check_bool(struct scenario_cmd *cmd, const char *key,
			      uint64_t v)
{
	if (v > 1)
		return scenario_args_fail(cmd, "%s=%" PRIu64 " is not 0 or 1",
					  key, v);
	return NULL;
}

const char *scenario_ioeventfd_check(struct scenario_cmd *cmd)
{
	const char *err;

	if ((err = check_bool(cmd, "deassign", cmd->ioeventfd.deassign)) ||
	    (err = check_bool(cmd, "pio", cmd->ioeventfd.pio)))
		return err;
	/* SPEC §7.3: datamatch= sets DATAMATCH; nothing else is implied */
	cmd->ioeventfd.args.flags =
		cmd->ioeventfd.flags |
		(cmd->given & (1u << IOEVENTFD_ARG_DATAMATCH)
			 ? MSHV_IOEVENTFD_FLAG_DATAMATCH
			 : 0) |
		(cmd->ioeventfd.pio ? MSHV_IOEVENTFD_FLAG_PIO : 0) |
		(cmd->ioeventfd.deassign ? MSHV_IOEVENTFD_FLAG_DEASSIGN : 0);
	/* rsvd=N: the 4 bytes as a little-endian u32 */
	for (int i = 0; i < 4; i++)
		cmd->ioeventfd.args.rsvd[i] =
			(uint8_t)(cmd->ioeventfd.rsvd >> (8 * i));
	return NULL;
}

const char *scenario_whp_check(struct scenario_cmd *cmd)
{
	const uint32_t reserved_max = WHV_DOORBELL_MATCH_RESERVED_MASK >>
				      WHV_DOORBELL_MATCH_RESERVED_SHIFT;
	const char *err;

	if ((err = check_bool(cmd, "match-value", cmd->whp.match_value)) ||
	    (err = check_bool(cmd, "match-length", cmd->whp.match_length)))
		return err;
	if (cmd->whp.reserved > reserved_max)
		return scenario_args_fail(
			cmd, "reserved=%" PRIu32 " does not fit 30 bits",
			cmd->whp.reserved);
	cmd->whp.match.MatchFlags =
		(cmd->whp.match_value ? WHV_DOORBELL_MATCH_ON_VALUE : 0) |
		(cmd->whp.match_length ? WHV_DOORBELL_MATCH_ON_LENGTH : 0) |
		cmd->whp.reserved << WHV_DOORBELL_MATCH_RESERVED_SHIFT;
	return NULL;
}

/* ---- named eventfds ---- */

static struct scenario_eventfds *eventfds(struct scenario *sc)
{
	if (!sc->eventfds)
		sc->eventfds = calloc(1, sizeof(*sc->eventfds));
	return sc->eventfds;
}

static long name_find(const struct scenario_eventfds *e, const char *name)
{
	for (size_t i = 0; i < e->count; i++)
		if (!strcmp(e->names[i].name, name))
			return (long)i;
	return -1;
}

/* The eventfd (name) names (SPEC §7.3: made on first use; "-" is -1).
 * 0 with *fd set; SCENARIO_MALFORMED with the message in (text) when the
 * run has too many names; -errno when the system refuses one. */
static int name_fd(struct scenario *sc, const char *name, int *fd, char *text)
{
	struct scenario_eventfds *e = eventfds(sc);
	struct named_eventfd *n;
	long i;

	*fd = -1;
	if (!strcmp(name, "-"))
		return 0;
	if (!e)
		return -ENOMEM;
	i = name_find(e, name);
	if (i >= 0) {
		*fd = e->names[i].fd;
		return 0;
	}
	if (e->count == SCENARIO_EVENTFD_MAX) {
		snprintf(text, SCENARIO_TEXT_MAX,
			 "more than %d eventfd names in one run",
			 SCENARIO_EVENTFD_MAX);
		return SCENARIO_MALFORMED;
	}
	n = &e->names[e->count];
	n->name = strdup(name);
	if (!n->name)
		return -ENOMEM;
	/* Non-blocking: `run --script` reads them to see in-kernel fires. */
	n->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->fd < 0) {
		free(n->name);
		return -errno;
	}
	e->count++;
	*fd = n->fd;
	return 0;
}

/* ---- running ---- */

/* "ok doorbell=N", "ok", or "<RESULT> <reason>" (SPEC §7.3). */
static int result_line(char *text, const char *result, bool ok, bool registered,
		       uint32_t id, enum hvdb_reason reason)
{
	if (ok && registered)
		snprintf(text, SCENARIO_TEXT_MAX, "ok doorbell=%" PRIu32, id);
	else if (ok)
		snprintf(text, SCENARIO_TEXT_MAX, "ok");
	else
		snprintf(text, SCENARIO_TEXT_MAX, "%s %s", result,
			 hvdb_reason_name(reason));
	return 0;
}

/* An fd or event name, or why the line cannot run. */
static int named_fd(struct scenario *sc, const char *name, int *fd, char *text)
{
	int rc = name_fd(sc, name ? name : "efd", fd, text);

	if (rc < 0)
		snprintf(text, SCENARIO_TEXT_MAX, "eventfd %s",
			 name ? name : "efd");
	return rc;
}

int scenario_ioeventfd_exec(struct scenario *sc, const struct scenario_cmd *cmd,
			    char *text)
{
	struct mshv_user_ioeventfd args = cmd->ioeventfd.args;
	enum hvdb_reason reason = HVDB_REASON_NONE;
	char unknown[24];
	const char *name;
	uint32_t id = 0;
	int fd, rc;

	rc = named_fd(sc, cmd->ioeventfd.fd, &fd, text);
	if (rc)
		return rc;
	args.fd = fd;
	rc = hvdb_ioeventfd(sc->hv, cmd->ioeventfd.partition, &args, &id,
			    &reason);
	name = hvdb_ioeventfd_result_name(rc);
	if (!name) {
		snprintf(unknown, sizeof(unknown), "E%d", -rc);
		name = unknown;
	}
	return result_line(text, name, rc == 0,
			   !(args.flags & MSHV_IOEVENTFD_FLAG_DEASSIGN), id,
			   reason);
}

static int hresult_line(char *text, hvdb_hresult hr, bool registered,
			uint32_t id, enum hvdb_reason reason)
{
	const char *name = hvdb_hresult_name(hr);
	char unknown[24];

	if (!name) {
		snprintf(unknown, sizeof(unknown), "0x%08" PRIx32, hr);
		name = unknown;
	}
	return result_line(text, name, hr == HVDB_S_OK, registered, id, reason);
}

int scenario_whp_register_exec(struct scenario *sc,
			       const struct scenario_cmd *cmd, char *text)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	uint32_t id = 0;
	hvdb_hresult hr;
	int fd, rc;

	rc = named_fd(sc, cmd->whp.event, &fd, text);
	if (rc)
		return rc;
	hr = hvdb_whp_register(sc->hv, cmd->whp.partition, &cmd->whp.match, fd,
			       &id, &reason);
	return hresult_line(text, hr, true, id, reason);
}

int scenario_whp_unregister_exec(struct scenario *sc,
				 const struct scenario_cmd *cmd, char *text)
{
	enum hvdb_reason reason = HVDB_REASON_NONE;
	hvdb_hresult hr = hvdb_whp_unregister(sc->hv, cmd->whp.partition,
					      &cmd->whp.match, &reason);

	return hresult_line(text, hr, false, 0, reason);
}

/* ---- snapshots ---- */

struct saving {
	struct scenario_eventfds *e;
	struct saved_names *s;
};

static int save_group(void *opaque, const struct hvdb_doorbell_desc *d)
{
	struct saving *sv = opaque;
	long *grown;

	if (d->eventfd_group < sv->s->groups)
		return 0;
	grown = realloc(sv->s->name_of_group,
			(d->eventfd_group + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	sv->s->name_of_group = grown;
	/* groups are numbered in walk order: this is the next one */
	grown[d->eventfd_group] = -1;
	sv->s->groups = d->eventfd_group + 1;
	for (size_t i = 0; i < sv->e->count; i++)
		if (hvdb_eventfd_same(sv->e->names[i].fd, d->eventfd) == 1) {
			grown[d->eventfd_group] = (long)i;
			break;
		}
	return 0;
}

static struct saved_names *saved_find(struct scenario_eventfds *e,
				      const char *path)
{
	for (size_t i = 0; i < e->saved_count; i++)
		if (!strcmp(e->saved[i].path, path))
			return &e->saved[i];
	return NULL;
}

int scenario_dialect_saved(struct scenario *sc, const char *path)
{
	struct scenario_eventfds *e = eventfds(sc);
	struct saved_names fresh = { 0 }, *slot, *grown;
	struct saving sv = { e, &fresh };
	int rc;

	if (!e)
		return -ENOMEM;
	rc = hvdb_doorbell_foreach(sc->hv, save_group, &sv);
	fresh.path = strdup(path);
	if (rc || !fresh.path) {
		free(fresh.path);
		free(fresh.name_of_group);
		return rc ? rc : -ENOMEM;
	}
	slot = saved_find(e, path);
	if (!slot) {
		grown = realloc(e->saved,
				(e->saved_count + 1) * sizeof(*grown));
		if (!grown) {
			free(fresh.path);
			free(fresh.name_of_group);
			return -ENOMEM;
		}
		e->saved = grown;
		slot = &e->saved[e->saved_count++];
	} else {
		free(slot->path);
		free(slot->name_of_group);
	}
	*slot = fresh;
	return 0;
}

void scenario_dialect_restoring(struct scenario *sc, const char *path)
{
	if (sc->eventfds)
		sc->eventfds->restoring = saved_find(sc->eventfds, path);
}

int scenario_dialect_restored(void *opaque, struct hvdb *hv,
			      const struct hvdb_doorbell_desc *d)
{
	struct scenario *sc = opaque;
	struct scenario_eventfds *e = sc->eventfds;
	struct named_eventfd *n;
	int fd;

	(void)hv;
	if (!e || !e->restoring || d->eventfd_group >= e->restoring->groups ||
	    e->restoring->name_of_group[d->eventfd_group] < 0)
		return 0;
	n = &e->names[e->restoring->name_of_group[d->eventfd_group]];
	if (hvdb_eventfd_same(n->fd, d->eventfd) == 1)
		return 0; /* an earlier registration of the group did it */
	fd = fcntl(d->eventfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)close(n->fd); /* the name's old eventfd: ours */
	n->fd = fd;
	return 0;
}

void scenario_dialect_finish(struct scenario *sc)
{
	struct scenario_eventfds *e = sc->eventfds;

	if (!e)
		return;
	for (size_t i = 0; i < e->count; i++) {
		(void)close(e->names[i].fd);
		free(e->names[i].name);
	}
	for (size_t i = 0; i < e->saved_count; i++) {
		free(e->saved[i].path);
		free(e->saved[i].name_of_group);
	}
	free(e->saved);
	free(e);
	sc->eventfds = NULL;
}
