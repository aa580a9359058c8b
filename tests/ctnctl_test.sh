#!/bin/sh
# ctnctl's behaviour around the module: version with and without it, help, usage errors.
. "$(dirname "$0")/lib.sh"
ktap_plan 6

t_version_unloaded() {
    ctn_unload
    out=$(ctnctl version 2>&1); rc=$?
    expect_eq "exit status without module" 1 $rc || return 1
    expect_match "own version still printed" '^ctnctl 0\.1\.0 \(ABI 3\)' "$out" || return 1
    expect_match "says the module is not loaded" 'not loaded' "$out" || return 1
    expect_match "says how to load it" 'insmod ctn\.ko' "$out"
}
t_version_loaded() {
    ctn_load || fail "cannot load"
    out=$(ctnctl version 2>&1); rc=$?
    expect_eq "exit status" 0 $rc || return 1
    expect_match "module line" '^module 0\.3\.0 \(ABI 3\)$' "$out"
}
t_version_json() {
    ctn_load || fail "cannot load"
    out=$(ctnctl --json version); rc=$?
    expect_eq "exit status" 0 $rc || return 1
    expect_match "module_abi in JSON" '"module_abi": 3' "$out" || return 1
    expect_match "ctnctl version in JSON" '"ctnctl": "0\.1\.0"' "$out"
}
t_unprivileged() {
    ctn_load || fail "cannot load"
    out=$(as_user ctnctl version 2>&1); rc=$?
    expect_eq "exit status as uid 1000" 1 $rc || return 1
    expect_match "says it needs root" 'permission denied.*root|root.*permission denied' "$(echo $out)"
}
t_help() {
    out=$(ctnctl --help); rc=$?
    expect_eq "exit status of --help" 0 $rc || return 1
    expect_match "lists the version verb" 'version' "$out"
}
t_usage_error() {
    ctnctl no-such-verb >/dev/null 2>&1; rc=$?
    expect_eq "exit status of an unknown verb" 2 $rc
}

run_case "ctnctl version without the module: exit 1, says how to load it" t_version_unloaded
run_case "ctnctl version with the module reports its ABI" t_version_loaded
run_case "ctnctl --json version" t_version_json
run_case "ctnctl as an unprivileged user says it needs root" t_unprivileged
run_case "ctnctl --help" t_help
run_case "unknown verb exits 2" t_usage_error
ctn_unload
ktap_finish
