/* grace.c - the token of grace.h's ThreadSanitizer model of RCU. */
#include "grace.h"

#ifdef HVDB_TSAN
/* Never read or written: TSan keys the readers' releases and the
 * reclaimers' acquires on its address. */
char grace_token;
#else
/* ISO C wants a translation unit to declare something. */
typedef int grace_unused;
#endif
