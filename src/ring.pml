/* ring.pml - a Spin model of the notification ring's protocol (ring.c,
 * deliver_fire's pending flag, hvdb_ring_pop and the drain of hvdb.h).
 *
 * Proves, over every interleaving of 2 producers (4 fires of 3 ports, one
 * port fired by both, so the ring fills and a later fire finds it marked
 * full) and a consumer on a 2-slot ring: no entry is
 * duplicated (a port is never queued twice, nor taken when not queued),
 * none is lost and no wake-up is lost (once the producers are done and
 * the consumer has drained after their last signal, every fire was
 * covered by a later pop, no port is pending, ring and waiters are
 * empty). Leaves out: weak memory (Spin is sequentially consistent; the
 * C code's acquire/release is TSan's job), several consumers, port
 * deletion and instances, RCU, and positions that wrap.
 *
 * .ci/models.sh checks it (about 1e6 states), and checks that each planted
 * bug (-DPLANT_SIGNAL_FIRST, -DPLANT_CLEAR_EARLY, -DPLANT_PUBLISH_EARLY) is
 * caught.
 */
#define N 2	/* slots; Vyukov's queue needs 2 or more (with 1, "holds
		 * the entry of pos" and "free for pos + 1" are one number) */
#define PORTS 3 /* ports 1..3; 0 is "none" */
#define PRODUCERS 2
#define FULL 1	/* low bit of (waiting); the stack top is waiting / 2 */

byte seq[N];
byte entry[N];
byte tail;
byte head;
byte waiting;		/* top * 2 + FULL */
byte next[PORTS + 1];	/* a waiter's successor on the stack */
byte held[PORTS];	/* the consumer's waiters, oldest first */
byte nheld;
bit pending[PORTS + 1];
/* ghosts */
bit need[PORTS + 1];	/* fired, not yet covered by a pop */
byte inq[PORTS + 1];	/* in the ring or waiting */
byte signals;		/* the consumer's wake-up (an eventfd) */
byte done;

/* Vyukov's claim of the slot at (cursor) when seq == pos + turn_of. */
inline claim(cursor, turn_of, pos, s, ok)
{
	pos = cursor;
	do
	:: s = pos % N;
	   if
	   :: (seq[s] < pos + turn_of) -> ok = 0; break
	   :: (seq[s] == pos + turn_of) ->
		atomic {
			if
			:: cursor == pos -> cursor = pos + 1; ok = 1; break
			:: else -> pos = cursor
			fi
		}
	   :: (seq[s] > pos + turn_of) -> pos = cursor
	   fi
	od
}

/* slots_push: (counted) when this push is the port's queueing. */
inline slots_push(x, counted, pos, s, ok)
{
	claim(tail, 0, pos, s, ok);
	if
	:: ok ->
		atomic {
			if
			:: counted -> assert(inq[x] == 0); inq[x]++
			:: else
			fi
		}
#ifdef PLANT_PUBLISH_EARLY
		seq[s] = pos + 1; /* published before it is written */
		entry[s] = x
#else
		entry[s] = x;
		seq[s] = pos + 1
#endif
	:: else
	fi
}

/* ring_queue */
inline queue(x, w, pos, s, ok)
{
	w = waiting;
	do
	:: if
	   :: (w & FULL) == 0 -> slots_push(x, 1, pos, s, ok)
	   :: else -> ok = 0
	   fi;
	   if
	   :: ok -> break
	   :: else
	   fi;
	   next[x] = w / 2;
	   atomic {
		if
		:: waiting == w ->
			assert(inq[x] == 0); inq[x]++;
			waiting = x * 2 + FULL; break
		:: else -> w = waiting
		fi
	   }
	od
}

/* deliver_fire: count, queue unless pending, signal. */
inline fire(x, w, pos, s, ok, old)
{
	need[x] = 1;
#ifdef PLANT_SIGNAL_FIRST
	signals++; /* wakes the consumer before the port is queued */
#endif
	atomic { old = pending[x]; pending[x] = 1 };
	if
	:: old == 0 -> queue(x, w, pos, s, ok)
	:: else
	fi;
#ifndef PLANT_SIGNAL_FIRST
	signals++
#endif
}

/* Fires (a), (b), then (c) unless it is 0. */
proctype producer(byte a; byte b; byte c)
{
	byte w, pos, s, old;
	bit ok;

	fire(a, w, pos, s, ok, old);
	fire(b, w, pos, s, ok, old);
	if
	:: c != 0 -> fire(c, w, pos, s, ok, old)
	:: else
	fi;
	done++
}

/* hvdb_ring_pop: take an entry, clear its port's pending flag. */
inline pop(x, pos, s, ok)
{
#ifdef PLANT_CLEAR_EARLY
	x = entry[head % N];
	pending[x] = 0; /* before the entry is taken: queued twice */
#endif
	claim(head, 1, pos, s, ok);
	if
	:: ok ->
		x = entry[s];
		seq[s] = pos + N;
		atomic { assert(inq[x] > 0); inq[x]-- };
		pending[x] = 0;
		need[x] = 0 /* the caller handles x after every fire so far */
	:: else
	fi
}

inline pop_all(got, x, pos, s, ok)
{
	got = 0;
	do
	:: pop(x, pos, s, ok);
	   if
	   :: ok -> got = 1
	   :: else -> break
	   fi
	od
}

/* ring_notify_empty (the consumer lock is implied: one consumer) */
inline notify_empty(x, w, i, lo, hi, pos, s, ok)
{
	atomic { w = waiting; waiting = 0 };
	/* the stack is newest first: append it reversed */
	i = 0;
	w = w / 2;
	do
	:: w != 0 -> held[nheld + i] = w; i++; w = next[w]
	:: else -> break
	od;
	atomic {
		/* reverse held[nheld .. nheld + i) */
		lo = nheld;
		hi = nheld + i - 1;
		do
		:: lo < hi -> x = held[lo]; held[lo] = held[hi];
			     held[hi] = x; lo++; hi--
		:: else -> break
		od;
		nheld = nheld + i
	}
	do
	:: nheld == 0 -> break
	:: nheld > 0 ->
		x = held[0];
		atomic { /* off the list first */
			i = 0;
			do
			:: i + 1 < nheld -> held[i] = held[i + 1]; i++
			:: else -> break
			od;
			nheld--
		};
		slots_push(x, 0, pos, s, ok);
		if
		:: !ok ->
			atomic {
				i = nheld;
				do
				:: i > 0 -> held[i] = held[i - 1]; i--
				:: else -> break
				od;
				held[0] = x;
				nheld++
			};
			atomic { waiting = waiting | FULL };
			break
		:: else
		fi
	od
}

proctype consumer()
{
	byte x, w, i, pos, s;
	int lo, hi;
	bit ok, got;

	do
	:: atomic { signals > 0 -> signals = 0 };
		/* drain: pop all, notify-empty, again until nothing comes */
		do
		:: pop_all(got, x, pos, s, ok);
		   notify_empty(x, w, i, lo, hi, pos, s, ok);
		   pop_all(got, x, pos, s, ok);
		   if
		   :: got -> skip
		   :: else -> break
		   fi
		od
	:: atomic { signals == 0 && done == PRODUCERS -> break }
	od;
	/* every fire covered, nothing pending, nothing left anywhere */
	x = 1;
	do
	:: x <= PORTS ->
		assert(need[x] == 0 && pending[x] == 0 && inq[x] == 0);
		x++
	:: else -> break
	od;
	assert(waiting == 0 && nheld == 0 && head == tail)
}

init
{
	byte i;

	atomic {
		i = 0;
		do
		:: i < N -> seq[i] = i; i++
		:: else -> break
		od;
		run consumer();
		run producer(1, 2, 0);
		run producer(3, 1, 0)
	}
}
