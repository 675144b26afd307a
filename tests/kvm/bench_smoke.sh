#!/bin/sh
# The KVM sections of `hvdb bench --quick` (issue 11) run and print the
# keys tools read: kvm (long-mode guest), scale rows of every policy,
# notify latencies and rates, the adaptive churn. Numbers are not judged
# here (a shared CI machine is too noisy; bench/README.md has them).
# Exit 77 (CTest skip) without /dev/kvm.
hvdb=$1
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: /dev/kvm is not usable"; exit 77; }
out=$($hvdb bench --quick --json --sections kvm,scale,notify 2>/dev/null)
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: exit $rc"; exit 1; fi
fail=0
for want in '"kvm":{"guest":"long-mode-cpl3","raw_ioeventfd_wps":[1-9]' \
	'"hvdb_offload_wps":[1-9]' '"hvdb_userspace_wps":[1-9]' \
	'"kvm_pairs_per_sec":[1-9][0-9]*,"kvm_policy":"adaptive","kvm_present":4096' \
	'\{"policy":"all","doorbells":4096,"setup_seconds":[0-9.]*,"hot_wps":[1-9]' \
	'\{"policy":"none","doorbells":4096,' \
	'\{"policy":"adaptive","doorbells":4096,"setup_seconds":[0-9.]*,"hot_wps":[1-9][0-9]*,"warm_seconds":' \
	'"notify":\{"latency_us":\{"offload":\{"p50":[0-9.]*,"p99":[0-9.]*\},"userspace":\{"p50":' \
	'"suppress_mps":[1-9][0-9]*,"always_mps":[1-9]' \
	'"goals":\['; do
	if ! echo "$out" | grep -Eq "$want"; then
		echo "FAIL: no '$want'"; fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok: $(echo "$out" | grep -o '"goals":.*')"
[ $fail -eq 0 ] || echo "$out"
exit $fail
