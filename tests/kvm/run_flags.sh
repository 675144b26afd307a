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

check default "--writes 2000" '"offloaded": 4000,' '"userspace": 0,' \
	'"offloaded_connections": 4,' '"messages_received": 4000,'
check no-offload "--writes 2000 --no-offload" '"offloaded": 0,' \
	'"userspace": 4000,' '"userspace_connections": 4,'
check ram-doorbells "--writes 2000 --ram-doorbells" '"offloaded": 4000,' \
	'"misses": 0,'
check ram-doorbells-no-offload "--writes 2000 --ram-doorbells --no-offload" \
	'"userspace": 4000,'
check guest-connects "--writes 2000 --guest-connects" \
	'"offloaded_connections": 4,' '"messages_received": 4000,'
check vcpus-4 "--vcpus 4 --queues 16 --writes 1000" '"fired": 4000,'
check queues-1500 "--queues 1500 --writes 1500" \
	'"offloaded_connections": 1500,' '"userspace": 0,'
check offload-limit "--queues 300 --offload-limit 100 --writes 1500" \
	'"offloaded_connections": 100,' '"userspace_connections": 200,' \
	'"messages_received": 3000,'
# the human summary names each queue's path
if ! $hvdb run --writes 100 | grep -q "ioeventfd"; then
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
