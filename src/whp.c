/* whp.c - the WHP dialect (SPEC §7.2): WHvRegisterPartitionDoorbellEvent
 * and WHvUnregisterPartitionDoorbellEvent, with WHP's argument checks,
 * its coarser conflict rule and HRESULT results. */
#include <errno.h>
#include <string.h>

#include "dialect.h"
#include "hv.h"
#include "match.h"
#include "reason.h"

#define HRESULT_ROW_(s) { HVDB_HRESULT_FROM_HV(HV_STATUS_##s), "ERROR_HV_" #s },
static const struct {
	hvdb_hresult result;
	const char *name;
} hresult_names[] = { { HVDB_S_OK, "S_OK" },
		      { HVDB_E_INVALIDARG, "E_INVALIDARG" },
		      { HVDB_ERROR_NOT_FOUND, "ERROR_NOT_FOUND" },
		      REASON_STATUSES(HRESULT_ROW_) };
#undef HRESULT_ROW_

const char *hvdb_hresult_name(hvdb_hresult result)
{
	/* ERROR_HV_SUCCESS is not a result anyone returns */
	if (result == HVDB_HRESULT_FROM_HV(HV_STATUS_SUCCESS))
		return NULL;
	for (size_t i = 0; i < sizeof(hresult_names) / sizeof(*hresult_names);
	     i++)
		if (hresult_names[i].result == result)
			return hresult_names[i].name;
	return NULL;
}

static bool match_on_value(const WHV_DOORBELL_MATCH_DATA *m)
{
	return m->MatchFlags & WHV_DOORBELL_MATCH_ON_VALUE;
}

static bool match_on_length(const WHV_DOORBELL_MATCH_DATA *m)
{
	return m->MatchFlags & WHV_DOORBELL_MATCH_ON_LENGTH;
}

bool hvdb_whp_conninfo(const WHV_DOORBELL_MATCH_DATA *match,
		       HV_CONNECTION_INFO *info)
{
	if (!dialect_width_ok(match->Length, true))
		return false;
	dialect_conninfo(info, match->GuestAddress, match->Length,
			 !match_on_value(match), match->Value);
	return true;
}

/* SPEC §7.2 steps 1-4, each a function so that the API (first failing)
 * and decode (every one) share them. HVDB_REASON_NONE when it passes. */
static enum hvdb_reason check_reserved(const WHV_DOORBELL_MATCH_DATA *m)
{
	return m->MatchFlags & WHV_DOORBELL_MATCH_RESERVED_MASK
		       ? HVDB_REASON_RESERVED_NONZERO
		       : HVDB_REASON_NONE;
}

static enum hvdb_reason check_length(const WHV_DOORBELL_MATCH_DATA *m)
{
	return match_on_length(m) && !dialect_width_ok(m->Length, false)
		       ? HVDB_REASON_BAD_LENGTH
		       : HVDB_REASON_NONE;
}

static enum hvdb_reason check_mode(const WHV_DOORBELL_MATCH_DATA *m)
{
	return !match_on_length(m) && (m->Length != 0 || match_on_value(m))
		       ? HVDB_REASON_BAD_MODE
		       : HVDB_REASON_NONE;
}

static enum hvdb_reason check_value(const WHV_DOORBELL_MATCH_DATA *m)
{
	return !match_on_value(m) && m->Value != 0
		       ? HVDB_REASON_VALUE_WITHOUT_MATCH
		       : HVDB_REASON_NONE;
}

static enum hvdb_reason (*const checks[])(const WHV_DOORBELL_MATCH_DATA *) = {
	check_reserved, /* §7.2 1 */
	check_length,	/* §7.2 2 */
	check_mode,	/* §7.2 3 */
	check_value,	/* §7.2 4 */
};
#define CHECK_COUNT (sizeof(checks) / sizeof(*checks))

size_t hvdb_whp_problems(const WHV_DOORBELL_MATCH_DATA *match,
			 enum hvdb_reason *out, size_t max)
{
	HV_CONNECTION_INFO info;
	size_t n = 0;

	for (size_t i = 0; i < CHECK_COUNT; i++) {
		enum hvdb_reason r = checks[i](match);

		if (r == HVDB_REASON_NONE)
			continue;
		if (n < max)
			out[n] = r;
		n++;
	}
	if (hvdb_whp_conninfo(match, &info))
		n += hvdb_conninfo_problems(&info, n < max ? out + n : NULL,
					    n < max ? max - n : 0);
	return n;
}

/* Little-endian bytes = the struct: conninfo.c asserts the host order. */
void hvdb_whp_encode(const WHV_DOORBELL_MATCH_DATA *match, uint8_t out[24])
{
	memcpy(out, match, sizeof(*match));
}

int hvdb_whp_decode(const uint8_t *bytes, size_t len,
		    WHV_DOORBELL_MATCH_DATA *match)
{
	if (len != sizeof(*match))
		return -EINVAL;
	memcpy(match, bytes, sizeof(*match));
	return 0;
}

/* WHP's own conflict rule (§7.2 step 5): two doorbells at one GPA may
 * coexist only when both are value-specific, of one length, with
 * different values; size ANY counts as "no Length". */
static bool whp_conflict(const struct match_trigger *existing,
			 const struct match_trigger *t)
{
	bool coexist = !existing->any_value && !t->any_value &&
		       !existing->any_size && !t->any_size &&
		       existing->width == t->width &&
		       existing->value != t->value;

	return !coexist;
}

/* The match identity (match.h) of a checked registration (m). */
static void trigger_of(struct match_trigger *t, uint64_t partition,
		       const WHV_DOORBELL_MATCH_DATA *m)
{
	t->partition = partition;
	t->gpa = m->GuestAddress;
	t->any_size = !match_on_length(m);
	t->width = (uint8_t)m->Length;
	t->any_value = !match_on_value(m);
	t->value = m->Value;
}

static bool conflicts(struct hvdb *hv, const struct match_trigger *t)
{
	bool found;

	hv_lock(hv);
	found = match_any_at(hv, t, whp_conflict);
	hv_unlock(hv);
	return found;
}

static hvdb_hresult refuse(enum hvdb_reason *reason, hvdb_hresult result,
			   enum hvdb_reason why)
{
	*reason = why;
	return result;
}

/* SPEC §7.2 register, steps 1-6 in order. Under the dialect lock. */
static hvdb_hresult register_locked(struct hvdb *hv, uint64_t partition,
				    const WHV_DOORBELL_MATCH_DATA *m,
				    int event_fd, uint32_t *doorbell_id,
				    enum hvdb_reason *reason)
{
	struct dialect_request req = { .fd = event_fd };
	struct match_trigger t;
	enum hvdb_reason bad;
	HV_STATUS status;

	/* §7.2 1-4: reserved bits, Length, mode, Value */
	for (size_t i = 0; i < CHECK_COUNT; i++) {
		bad = checks[i](m);
		if (bad != HVDB_REASON_NONE)
			return refuse(reason, HVDB_E_INVALIDARG, bad);
	}
	/* The event handle (SPEC is silent): an invalid one is an invalid
	 * argument, as for any WHP call. */
	bad = dialect_eventfd_check(event_fd);
	if (bad != HVDB_REASON_NONE)
		return refuse(reason, HVDB_E_INVALIDARG, bad);
	/* §7.2 5: WHP's conflict rule against every connection at the GPA
	 * (an unknown partition has none: §7 common rules decide at 6) */
	trigger_of(&t, partition, m);
	if (dialect_partition_known(hv, partition) && conflicts(hv, &t))
		return refuse(reason,
			      HVDB_HRESULT_FROM_HV(HV_STATUS_INVALID_PARAMETER),
			      HVDB_REASON_WHP_CONFLICT);
	hvdb_whp_conninfo(m, &req.info);
	/* §7.2 6: id, CreatePort, ConnectPort */
	req.rec.dialect = HVDB_DIALECT_WHP;
	req.rec.partition = partition;
	req.rec.whp = *m;
	status = dialect_register(hv, &req, doorbell_id, reason);
	return status == HV_STATUS_SUCCESS ? HVDB_S_OK
					   : HVDB_HRESULT_FROM_HV(status);
}

hvdb_hresult hvdb_whp_register(struct hvdb *hv, uint64_t partition,
			       const WHV_DOORBELL_MATCH_DATA *match,
			       int event_fd, uint32_t *doorbell_id,
			       enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	uint32_t id_unused;
	hvdb_hresult ret;

	if (!reason)
		reason = &unused;
	if (!doorbell_id)
		doorbell_id = &id_unused;
	dialect_lock(hv);
	ret = register_locked(hv, partition, match, event_fd, doorbell_id,
			      reason);
	dialect_unlock(hv);
	return ret;
}

static bool identical(const struct dialect_record *rec, const void *arg)
{
	const WHV_DOORBELL_MATCH_DATA *m = arg;

	return rec->whp.GuestAddress == m->GuestAddress &&
	       rec->whp.Value == m->Value && rec->whp.Length == m->Length &&
	       rec->whp.MatchFlags == m->MatchFlags;
}

hvdb_hresult hvdb_whp_unregister(struct hvdb *hv, uint64_t partition,
				 const WHV_DOORBELL_MATCH_DATA *match,
				 enum hvdb_reason *reason)
{
	enum hvdb_reason unused;
	struct dialect_record *rec;
	hvdb_hresult ret = HVDB_S_OK;

	if (!reason)
		reason = &unused;
	*reason = HVDB_REASON_NONE;
	dialect_lock(hv);
	/* §7.2 unregister: it only looks the match data up */
	rec = dialect_find(hv, HVDB_DIALECT_WHP, partition, match->GuestAddress,
			   identical, match);
	if (rec)
		dialect_unregister(hv, rec);
	else
		ret = refuse(reason, HVDB_ERROR_NOT_FOUND,
			     HVDB_REASON_NO_SUCH_DOORBELL);
	dialect_unlock(hv);
	return ret;
}
