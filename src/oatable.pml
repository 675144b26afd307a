/* oatable.pml - spin model of the GPA index's RCU publication (oatable.c,
 * match.c). Proves: no lookup reads a freed slot array or a freed or
 * half-initialised entry, none fires a connection after its disconnect
 * returned, none misses one present throughout. Leaves out: weak-memory
 * reordering, growth, hash tags, a crowd's inner table.
 *
 * In detail: with one writer (under hv->lock) inserting, removing (tombstone
 * or emptying back over tombstones), replacing an entry in place (a
 * connection by its crowd and back, match.c / crowd.c) and rebuilding into a fresh
 * slot array, and two lock-free readers looking keys up, no reader reads a
 * freed slot array, no reader dereferences an entry that is
 * half-initialised or freed, no lookup that starts after a disconnect
 * returned finds that connection (no fire after disconnect), and no lookup
 * misses a connection present from its start to its end.
 * Leaves out: memory-model reordering (spin interleaves sequentially
 * consistent steps; the C11 release stores / acquire loads of oatable.h
 * are what order the real code, and TSan checks them), growth to a bigger
 * array (rebuilds here keep 4 slots), hash tags and crowds' own value
 * tables (the same code, one level down), and more than 4 entries.
 *
 * Run: spin -DOPS=9 -DNREADER=1 -a src/oatable.pml && cc -O2 -DSAFETY
 * -o pan pan.c && ./pan (the defaults, 6 operations and 2 readers, take
 * 16.5 M states and ~1.4 GB). .ci/models.sh runs 9 operations with one
 * reader and 4 with two, and fails on any error; it also checks that
 * each bug planted with spin -DPLANT_... is caught: publishing before
 * initialising, freeing an entry or an array without a grace period,
 * emptying a slot a probe chain runs through, returning from
 * DisconnectPort before unlinking).
 */

#define NSLOT 4 /* slots of an array */
#define NARR 2  /* slot arrays: the live one and the one a rebuild fills */
#define NENT 4  /* entries */
#define NKEY 3
#ifndef NREADER
#define NREADER 2
#endif

#define EMPTY 0
#define TOMB 255 /* a slot holds EMPTY, TOMB or entry + 1 */

/* entry lifecycle */
#define UNBORN 0
#define INITIALISING 1
#define READY 2
#define UNLINKED 3 /* unreachable for new lookups; awaiting a grace period */
#define FREED 4

/* Keys 0 and 1 share home slot 0, key 2 starts at 1: probe chains
 * overlap. Entries 0..2 hold keys 0..2; entry 3 is what replaces entry 1
 * (key 1): a crowd taking over a connection's slot. */
#define HOME(k) ((k) == 2 -> 1 : 0)
#define KEY_OF(e) ((e) == 3 -> 1 : (e))

byte slots[NARR * NSLOT];
byte cur;		/* the published array */
bool arr_freed[NARR];	/* arr 1 is not allocated yet: "freed" */
byte estate[NENT];
byte key[NENT];
byte count;		/* live entries of cur */
byte used;		/* live entries + tombstones of cur */

/* What the API has told its callers, per key: ConnectPort returned (the
 * connection is linked), DisconnectPort started, DisconnectPort returned. */
bool linked[NKEY];
bool removing[NKEY];
bool gone[NKEY];

bool in_cs[NREADER]; /* rcu_read_lock held */

/* synchronize_rcu: every read-side section running when it starts has
 * ended (a reader seen outside its section once suffices). */
inline grace_period()
{
	r = 0;
	do
	:: r < NREADER -> (!in_cs[r]); r++
	:: else -> r = 0; break
	od
}

/* slots_put: the first empty or tombstone slot of (k)'s chain in array
 * (a) gets (v). Only the writer stores to slots, so its own reads are
 * one step with what they decide; the store is the publication. */
inline put(a, k, v)
{
	atomic {
		p = HOME(k);
		do
		:: slots[a * NSLOT + p] != EMPTY &&
		   slots[a * NSLOT + p] != TOMB -> p = (p + 1) % NSLOT
		:: else -> break
		od;
		if
		:: slots[a * NSLOT + p] == EMPTY -> used++
		:: else -> skip
		fi
	};
	slots[a * NSLOT + p] = v;
	p = 0
}

/* slots_find: where entry (e) is in the live array (it must be). */
inline find(e)
{
	atomic {
		pos = HOME(key[e]);
		do
		:: slots[cur * NSLOT + pos] == e + 1 -> break
		:: else -> pos = (pos + 1) % NSLOT
		od
	}
}

/* oatable_reserve's rebuild: live entries into a fresh array (no reader
 * can reach it yet: one step), published with one store, the old array
 * freed after a grace period. */
inline rebuild()
{
	atomic {
		na = 1 - cur;
		assert(arr_freed[na]);
		i = 0;
		do
		:: i < NSLOT -> slots[na * NSLOT + i] = EMPTY; i++
		:: else -> break
		od;
		arr_freed[na] = false; /* allocated */
		used = 0;
		i = 0;
		do
		:: i < NSLOT ->
			v = slots[cur * NSLOT + i];
			if
			:: v != EMPTY && v != TOMB ->
				p = HOME(key[v - 1]);
				do
				:: slots[na * NSLOT + p] != EMPTY ->
					p = (p + 1) % NSLOT
				:: else -> break
				od;
				slots[na * NSLOT + p] = v;
				used++
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		i = cur; v = 0; p = 0
	};
	cur = na; /* rcu_assign_pointer: release store */
#ifndef PLANT_ARRAY_FREE_EARLY
	grace_period();
#endif
	atomic { arr_freed[i] = true; i = 0; na = 0 } /* call_rcu(free) */
}

/* ConnectPort's indexing: reserve, initialise, publish, return. */
inline insert(e)
{
	if
	:: (used + 1) * 4 > NSLOT * 3 -> rebuild()
	:: else -> skip
	fi;
#ifdef PLANT_PUBLISH_EARLY
	estate[e] = INITIALISING;
	put(cur, KEY_OF(e), e + 1);
	key[e] = KEY_OF(e);
	estate[e] = READY;
#else
	estate[e] = INITIALISING;
	key[e] = KEY_OF(e);
	estate[e] = READY;
	put(cur, key[e], e + 1);
#endif
	atomic { count++; linked[key[e]] = true }
}

/* DisconnectPort: unlink, return, free after a grace period. */
inline remove(e)
{
	removing[key[e]] = true;
#ifdef PLANT_RETURN_EARLY
	gone[key[e]] = true;
#endif
	find(e);
	count--;
	if
#ifdef PLANT_NO_TOMBSTONE
	:: false ->
#else
	:: slots[cur * NSLOT + (pos + 1) % NSLOT] != EMPTY ->
#endif
		slots[cur * NSLOT + pos] = TOMB
	:: else ->
		do
		:: slots[cur * NSLOT + pos] = EMPTY;
		   atomic {
			used--;
			pos = (pos + NSLOT - 1) % NSLOT;
			if
			:: slots[cur * NSLOT + pos] != TOMB -> break
			:: else -> skip
			fi
		   }
		od
	fi;
	atomic { pos = 0; estate[e] = UNLINKED; gone[key[e]] = true };
#ifndef PLANT_FREE_EARLY
	grace_period();
#endif
	estate[e] = FREED
}

/* oatable_replace: (to), initialised, takes the slot of (from), which
 * is freed after a grace period. Readers see one or the other. */
inline replace(from, to)
{
	estate[to] = INITIALISING;
	key[to] = KEY_OF(to);
	estate[to] = READY;
	find(from);
	slots[cur * NSLOT + pos] = to + 1;
	atomic { pos = 0; estate[from] = UNLINKED };
	grace_period();
	estate[from] = FREED
}

/* Every order of connects, disconnects and the replacement, with
 * rebuilds between them: up to OPS operations. */
#ifndef OPS
#define OPS 6
#endif
active proctype writer()
{
	byte ops = 0;
	byte r, p, pos, na, i, v; /* the inlines' locals */
	arr_freed[1] = true;
	do
	:: ops < OPS && estate[0] == UNBORN -> insert(0); ops++
	:: ops < OPS && estate[1] == UNBORN -> insert(1); ops++
	:: ops < OPS && estate[2] == UNBORN -> insert(2); ops++
	:: ops < OPS && estate[0] == READY -> remove(0); ops++
	:: ops < OPS && estate[2] == READY -> remove(2); ops++
	:: ops < OPS && estate[1] == READY && estate[3] == UNBORN ->
		replace(1, 3); ops++
	:: ops < OPS && estate[3] == READY -> remove(3); ops++
	:: ops < OPS && count > 0 -> rebuild(); ops++
	:: else -> break
	od
}

/* hvdb_write: rcu_read_lock, probe the chain of (k), fire what matches.
 * Locals are cleared at the end of each lookup. */
proctype reader(byte r)
{
	byte k, s, pos, n, v;
	bool gone0, linked0, found;
	do
	:: atomic {
		if
		:: k = 0
		:: k = 1
		:: k = 2
		fi;
		in_cs[r] = true;
		gone0 = gone[k];
		linked0 = linked[k] && !removing[k]
	   };
	   atomic { s = cur; pos = HOME(k) }; /* acquire load of the array */
	   do
	   :: n < NSLOT ->
		atomic {
			assert(!arr_freed[s]);
			v = slots[s * NSLOT + pos] /* acquire load of a slot */
		};
		if
		:: v == EMPTY -> break
		:: v == TOMB -> skip
		:: else ->
			/* the entry's fields, read after its slot */
			atomic {
				assert(estate[v - 1] == READY ||
				       estate[v - 1] == UNLINKED);
				if
				:: key[v - 1] == k -> found = true
				:: else -> skip
				fi
			};
			if
			:: found -> break
			:: else -> skip
			fi
		fi;
		atomic { pos = (pos + 1) % NSLOT; n++ }
	   :: else -> break
	   od;
	   atomic {
		/* no fire after DisconnectPort returned */
		assert(!(found && gone0));
		/* no miss of a connection present from start to end */
		assert(found || !linked0 || removing[k]);
		in_cs[r] = false;
		k = 0; s = 0; pos = 0; n = 0; v = 0;
		gone0 = false; linked0 = false; found = false
	   }
	od
}

init
{
	byte r;
	do
	:: r < NREADER -> run reader(r); r++
	:: else -> break
	od
}
