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
    ctn_load || fail "cannot load" || return 1
    fuzz --seed 1 --calls "$CALLS" --threads 4 || return 1
    expect_match "the module answers" "abi=13" "$(ctntest version)"
}
t_random() {
    fuzz --calls $((CALLS / 10)) --threads 2
}
t_after() {
    for n in $(ctnctl list | awk 'NR > 1 { print $2 }'); do
        ctnctl destroy --force -- "$n" >/dev/null || fail "destroy $n" || return 1
    done
    ctnctl host --cpu-reserve 90 >/dev/null || fail "reset the CPU reserve" || return 1
    ctnctl create after >/dev/null || fail "create after fuzzing" || return 1
    expect_eq "exec works" "after" "$(ctnctl exec after -- hostname)" || return 1
    ctnctl destroy after >/dev/null
    rmmod ctn || fail "rmmod" || return 1
    dmesg | grep 'live objects at unload' | tail -n 1 |
        grep -Eq 'unload: 0 containers, 0 hooks, 0 hook sets, 0 probe sets, 0 task refs$' ||
        fail "live objects left: $(dmesg | grep 'live objects' | tail -n 1)"
}

run_case "$CALLS fuzzed calls, seed 1, 4 threads, with container churn and forks" t_fixed
run_case "$((CALLS / 10)) fuzzed calls, random seed" t_random
run_case "the module works afterwards and unloads with no live objects" t_after
ktap_finish
