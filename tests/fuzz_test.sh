#!/bin/sh
# ioctl fuzzing: ctnfuzz makes CTN_FUZZ_CALLS (default 200,000; make check-debug: 1,000,000)
# random and mutated calls on /dev/ctn with a fixed seed from 4 threads, while its other
# threads create and destroy containers and fork, exec and exit inside them; then a shorter
# run with a random seed (printed, to reproduce). The kernel log must stay clean (scripts/vm),
# the module must work afterwards and unload with no live objects.
. "$(dirname "$0")/lib.sh"
ktap_plan 3
CALLS=${CTN_FUZZ_CALLS:-200000}

fuzz() {
    out=$(ctnfuzz "$@" 2>&1); rc=$?
    echo "$out"
    echo "$out" | grep '^ctnfuzz:' | while read -r line; do note "$line"; done
    [ $rc -eq 0 ] || fail "ctnfuzz exited with $rc"
}

t_fixed() {
    ctn_load || fail "cannot load"
    fuzz --seed 1 --calls "$CALLS" --threads 4
    expect_match "the module answers" "abi=14" "$(ctntest version)"
}
t_random() {
    fuzz --calls $((CALLS / 10)) --threads 2
}
t_after() {
    for n in $(ctnctl list | awk 'NR > 1 { print $2 }'); do
        ctnctl destroy --force -- "$n" >/dev/null || fail "destroy $n"
    done
    ctnctl host --cpu-reserve 90 >/dev/null || fail "reset the CPU reserve"
    ctnctl create after >/dev/null || fail "create after fuzzing"
    expect_eq "exec works" "after" "$(ctnctl exec after -- hostname)"
    ctnctl destroy after >/dev/null || fail "destroy after"
    klog_mark
    rmmod ctn || fail "rmmod"
    expect_unload_clean "rmmod after fuzzing"
}

run_case "$CALLS fuzzed calls, seed 1, 4 threads, with container churn and forks" t_fixed
run_case "$((CALLS / 10)) fuzzed calls, random seed" t_random
run_case "the module works afterwards and unloads with no live objects" t_after
ktap_finish
