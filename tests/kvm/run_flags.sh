#!/bin/sh
# `hvdb run` in each flag combination: exit 0 and JSON counters that name
# the path. Exit 77 (CTest skip) without /dev/kvm.
hvdb=$1
fail=0

# check NAME 'ARGS' 'EGREP...' : runs, wants exit 0 and every pattern.
check() {
	name=$1 args=$2
	shift 2
	out=$($hvdb run --json $args)
	rc=$?
	if [ $rc -eq 3 ]; then
		echo "SKIP: /dev/kvm is not usable"
		exit 77
	fi
	if [ $rc -ne 0 ]; then
		echo "FAIL $name: exit $rc"; echo "$out"; fail=1; return
	fi
	for want in "$@"; do
		if ! echo "$out" | grep -Eq "$want"; then
			echo "FAIL $name: no '$want' in"; echo "$out"; fail=1
		fi
	done
	echo "ok   $name"
}

# --notify always: one doorbell per message, so the counters are exact;
# --offload-policy all: every connection's path fixed at connect.
A="--notify always --offload-policy all"
check default "--writes 2000" '"notify": "suppress",' \
	'"offload_policy": "adaptive",' '"messages_received": 4000,' \
	'"doorbells": '
check always "--writes 2000 $A" '"offloaded": 4000,' '"userspace": 0,' \
	'"offloaded_connections": 4,' '"messages_received": 4000,' \
	'"doorbells": 4000,' '"doorbells_per_message": 1.0'
check no-offload "--writes 2000 $A --no-offload" '"offloaded": 0,' \
	'"userspace": 4000,' '"userspace_connections": 4,'
check policy-none "--writes 2000 $A --offload-policy none" \
	'"userspace": 4000,' '"offload_policy": "none",'
check policy-adaptive "--writes 2000 $A --offload-policy adaptive" \
	'"fired": 4000,' '"offload_policy": "adaptive",'
check ram-doorbells "--writes 2000 --ram-doorbells $A" '"offloaded": 4000,' \
	'"misses": 0,'
check ram-doorbells-no-offload "--writes 2000 --ram-doorbells $A --no-offload" \
	'"userspace": 4000,'
check guest-connects "--writes 2000 --guest-connects --offload-policy all" \
	'"offloaded_connections": 4,' '"messages_received": 4000,'
# "queues" is the count (the first round's key); each queue is in per_queue
check vcpus-4 "--vcpus 4 --queues 16 --writes 1000 $A" '"fired": 4000,' \
	'"queues": 16,' '"per_queue": \['
check queues-1500 "--queues 1500 --writes 1500 --offload-policy all" \
	'"offloaded_connections": 1500,' '"userspace": 0,' \
	'"messages_received": 3000,'
check offload-limit "--queues 300 --offload-limit 100 --writes 1500 $A" \
	'"offloaded_connections": 100,' '"userspace_connections": 200,' \
	'"messages_received": 3000,'
# a bad policy or notify mode is a usage error (exit 2)
for bad in "--offload-policy some" "--notify never"; do
	$hvdb run $bad >/dev/null 2>&1
	if [ $? -ne 2 ]; then echo "FAIL $bad: not exit 2"; fail=1; fi
done
# the human summary names each queue's path
if ! $hvdb run --writes 100 --offload-policy all | grep -q "ioeventfd"; then
	echo "FAIL summary: no path column"; fail=1
fi
# Only the /dev/kvm pre-check may exit 3: a run that fails after it (here
# out of file descriptors for the queues' eventfds) is a failure, exit 1.
out=$( (ulimit -n 16 && $hvdb run --queues 32 --writes 10) 2>&1)
rc=$?
if [ $rc -ne 1 ]; then
	echo "FAIL fds: exit $rc, not 1"; echo "$out"; fail=1
else
	echo "ok   fds: a failure after the pre-check exits 1 ($out)"
fi
exit $fail
