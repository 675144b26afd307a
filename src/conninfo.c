/* conninfo.c - HV_CONNECTION_INFO: encode, decode, standalone validation. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conninfo.h"
#include "gpa.h"

/* The ABI is little-endian; so is every host this builds for (x86-64). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "HV_CONNECTION_INFO is copied as little-endian bytes");

static const int size_widths[8] = { 0, 1, 2, 4, 8, -1, -1, -1 };
static const char *const size_names[8] = { "any",     "byte",	"word",
					   "dword",   "qword",	"invalid",
					   "invalid", "invalid" };

int hvdb_trigger_size_width(uint64_t flags)
{
	return size_widths[flags & HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK];
}

const char *hvdb_trigger_size_name(uint64_t flags)
{
	return size_names[flags & HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK];
}

unsigned conninfo_extent(uint64_t flags)
{
	int w = hvdb_trigger_size_width(flags);

	return w > 0 ? (unsigned)w : 1;
}

void hvdb_conninfo_encode(const HV_CONNECTION_INFO *info, uint8_t out[32])
{
	memcpy(out, info, sizeof(*info));
}

int hvdb_conninfo_decode(const uint8_t *bytes, size_t len,
			 HV_CONNECTION_INFO *info)
{
	if (len != sizeof(*info))
		return -EINVAL;
	memcpy(info, bytes, sizeof(*info));
	return 0;
}

static enum hvdb_reason check_flags(const HV_CONNECTION_INFO *info)
{
	if (info->DoorbellConnectionInfo.Flags &
	    ~(uint64_t)HV_DOORBELL_FLAG_VALID_MASK)
		return HVDB_REASON_RESERVED_FLAGS;
	return HVDB_REASON_NONE;
}

static enum hvdb_reason check_size(const HV_CONNECTION_INFO *info)
{
	if (hvdb_trigger_size_width(info->DoorbellConnectionInfo.Flags) < 0)
		return HVDB_REASON_BAD_TRIGGER_SIZE;
	return HVDB_REASON_NONE;
}

static enum hvdb_reason check_value(const HV_CONNECTION_INFO *info)
{
	uint64_t flags = info->DoorbellConnectionInfo.Flags;
	int width = hvdb_trigger_size_width(flags);

	/* With ANY_VALUE the TriggerValue is ignored; SIZE_ANY takes any. */
	if (flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE || width <= 0)
		return HVDB_REASON_NONE;
	if (!conninfo_value_fits(info->DoorbellConnectionInfo.TriggerValue,
				 (unsigned)width))
		return HVDB_REASON_VALUE_TOO_WIDE;
	return HVDB_REASON_NONE;
}

enum hvdb_reason conninfo_check_trigger(const HV_CONNECTION_INFO *info)
{
	enum hvdb_reason r;

	/* §3 Connect 8: no flag bits outside 0x80000007 */
	if ((r = check_flags(info)) != HVDB_REASON_NONE)
		return r;
	/* §3 Connect 9: size codes 5..7 are invalid */
	if ((r = check_size(info)) != HVDB_REASON_NONE)
		return r;
	/* §3 Connect 10: a value-specific trigger's value fits its size */
	return check_value(info);
}

bool conninfo_within_page(hvdb_gpa_t gpa, unsigned extent)
{
	return (gpa % HVDB_PAGE_SIZE) + extent <= HVDB_PAGE_SIZE;
}

size_t hvdb_conninfo_problems(const HV_CONNECTION_INFO *info,
			      enum hvdb_reason *out, size_t max)
{
	enum hvdb_reason found[6];
	size_t n = 0;
	uint64_t flags = info->DoorbellConnectionInfo.Flags;

	if (info->PortType != HvPortTypeDoorbell)
		found[n++] = HVDB_REASON_UNSUPPORTED_PORT_TYPE;
	if (info->Padding != 0)
		found[n++] = HVDB_REASON_RESERVED_NONZERO;
	if (check_flags(info) != HVDB_REASON_NONE)
		found[n++] = HVDB_REASON_RESERVED_FLAGS;
	if (check_size(info) != HVDB_REASON_NONE)
		found[n++] = HVDB_REASON_BAD_TRIGGER_SIZE;
	if (check_value(info) != HVDB_REASON_NONE)
		found[n++] = HVDB_REASON_VALUE_TOO_WIDE;
	/* The page rule needs a known width; an invalid size is reported
	 * once, above. */
	if (check_size(info) == HVDB_REASON_NONE &&
	    !conninfo_within_page(
		    info->DoorbellConnectionInfo.GuestPhysicalAddress,
		    conninfo_extent(flags)))
		found[n++] = HVDB_REASON_CROSSES_PAGE;

	for (size_t i = 0; i < n && i < max; i++)
		out[i] = found[i];
	return n;
}

int hvdb_conninfo_describe(const HV_CONNECTION_INFO *info, char *buf,
			   size_t size)
{
	const uint64_t flags = info->DoorbellConnectionInfo.Flags;
	enum hvdb_reason problems[6];
	size_t n = hvdb_conninfo_problems(info, problems, 6);
	int width = hvdb_trigger_size_width(flags);
	bool any_value = flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	size_t used = 0;
	int len;

#define DESCRIBE_(...)                                                      \
	do {                                                                \
		/* no pointer arithmetic on a NULL (buf): size query */     \
		len = snprintf(used < size ? buf + used : NULL,             \
			       used < size ? size - used : 0, __VA_ARGS__); \
		if (len < 0)                                                \
			return -1;                                          \
		used += (size_t)len;                                        \
	} while (0)

	DESCRIBE_("PortType:             %" PRIu32 "%s\n", info->PortType,
		  info->PortType == HvPortTypeDoorbell ? " (HvPortTypeDoorbell)"
						       : "");
	DESCRIBE_("Padding:              0x%" PRIx32 "\n", info->Padding);
	DESCRIBE_("GuestPhysicalAddress: 0x%" PRIx64 "\n",
		  info->DoorbellConnectionInfo.GuestPhysicalAddress);
	DESCRIBE_("TriggerValue:         0x%" PRIx64 "%s\n",
		  info->DoorbellConnectionInfo.TriggerValue,
		  any_value ? " (ignored: ANY_VALUE)" : "");
	DESCRIBE_("Flags:                0x%" PRIx64 "\n", flags);
	DESCRIBE_("  trigger size:       %s", hvdb_trigger_size_name(flags));
	if (width > 0)
		DESCRIBE_(" (%d-byte writes only)\n", width);
	else if (width == 0)
		DESCRIBE_(" (writes of any length)\n");
	else
		DESCRIBE_(
			" (size code %u is not defined)\n",
			(unsigned)(flags & HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK));
	DESCRIBE_("  trigger value:      %s\n",
		  any_value ? "any value (HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE)"
			    : "the TriggerValue only");
	if (n == 0)
		DESCRIBE_("valid\n");
	for (size_t i = 0; i < n && i < 6; i++)
		DESCRIBE_("problem: %s: %s\n", hvdb_reason_name(problems[i]),
			  hvdb_reason_message(problems[i]));
#undef DESCRIBE_
	return (int)used;
}
