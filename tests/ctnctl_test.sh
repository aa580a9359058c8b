#!/bin/sh
# ctnctl's behaviour around the module: version with and without it, help, usage errors.
. "$(dirname "$0")/lib.sh"
ktap_plan 8

t_version_unloaded() {
    ctn_unload
    out=$(ctnctl version 2>&1); rc=$?
    expect_eq "exit status without module" 1 $rc
    expect_match "own version still printed" '^ctnctl 0\.1\.0 \(ABI 13\)' "$out"
    expect_match "says the module is not loaded" 'not loaded' "$out"
    expect_match "says how to load it" 'insmod ctn\.ko' "$out"
}
t_version_loaded() {
    ctn_load || fail "cannot load"
    out=$(ctnctl version 2>&1); rc=$?
    expect_eq "exit status" 0 $rc
    expect_match "module line" '^module 0\.13\.0 \(ABI 13\)$' "$out"
}
t_version_json() {
    ctn_load || fail "cannot load"
    out=$(ctnctl --json version); rc=$?
    expect_eq "exit status" 0 $rc
    expect_match "module_abi in JSON" '"module_abi": 13' "$out"
    expect_match "ctnctl version in JSON" '"ctnctl": "0\.1\.0"' "$out"
}
t_unprivileged() {
    ctn_load || fail "cannot load"
    out=$(as_user ctnctl version 2>&1); rc=$?
    expect_eq "exit status as uid 1000" 1 $rc
    expect_match "says it needs root" 'permission denied.*root|root.*permission denied' "$(echo $out)"
}
t_help() {
    out=$(ctnctl --help); rc=$?
    expect_eq "exit status of --help" 0 $rc
    expect_match "lists the version verb" 'version' "$out"
}
t_usage_error() {
    ctnctl no-such-verb >/dev/null 2>&1; rc=$?
    expect_eq "exit status of an unknown verb" 2 $rc
}

t_bad_arguments() {
    ctn_load || fail "cannot load"
    ctnctl create args >/dev/null
    ctnctl events args --since -1 >/dev/null 2>&1; expect_eq "events --since -1" 2 $?
    ctnctl events args --since x >/dev/null 2>&1; expect_eq "events --since x" 2 $?
    ctnctl ps >/dev/null 2>&1; expect_eq "ps without a name" 2 $?
    ctnctl exec args >/dev/null 2>&1; expect_eq "exec without a command" 2 $?
    out=$(ctnctl exec args -- /no/such/program 2>&1); rc=$?
    expect_eq "exec of a missing program" 127 $rc
    expect_match "message" 'cannot run /no/such/program' "$out"
    ctnctl destroy args >/dev/null
}
t_other_device() {
    out=$(ctnctl --device /tmp/no-such-device list 2>&1); rc=$?
    expect_eq "exit status" 1 $rc
    expect_match "names the path" '/tmp/no-such-device does not exist' "$out"
    : > /tmp/not-a-ctn-device
    out=$(ctnctl --device /tmp/not-a-ctn-device list 2>&1); rc=$?
    expect_eq "a file that is not the device" 1 $rc
    expect_match "says the ABI may differ" 'ABI|not a typewriter|Inappropriate ioctl' "$out"
}

run_case "ctnctl version without the module: exit 1, says how to load it" t_version_unloaded
run_case "ctnctl version with the module reports its ABI" t_version_loaded
run_case "ctnctl --json version" t_version_json
run_case "ctnctl as an unprivileged user says it needs root" t_unprivileged
run_case "ctnctl --help" t_help
run_case "unknown verb exits 2" t_usage_error
run_case "bad arguments exit 2; a missing program 127" t_bad_arguments
run_case "--device naming something else: exit 1, clear message" t_other_device
ctn_unload
ktap_finish
