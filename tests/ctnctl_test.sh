#!/bin/sh
# ctnctl's behaviour around the module: version with and without it, help, usage errors.
. "$(dirname "$0")/lib.sh"
ktap_plan 9

t_version_unloaded() {
    ctn_unload
    out=$(ctnctl version 2>&1); rc=$?
    expect_eq "exit status without module" 1 $rc
    expect_match "own version still printed" '^ctnctl 0\.1\.0 \(ABI 14\)' "$out"
    expect_match "says the module is not loaded" 'not loaded' "$out"
    expect_match "says how to load it" 'insmod ctn\.ko' "$out"
}
t_version_loaded() {
    ctn_load || fail "cannot load"
    out=$(ctnctl version 2>&1); rc=$?
    expect_eq "exit status" 0 $rc
    expect_match "module line" '^module 0\.14\.0 \(ABI 14\)$' "$out"
}
t_version_json() {
    ctn_load || fail "cannot load"
    out=$(ctnctl --json version); rc=$?
    expect_eq "exit status" 0 $rc
    expect_match "module_abi in JSON" '"module_abi": 14' "$out"
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
    # A node left with no driver behind it (as /dev/ctn is while the module unloads).
    rm -f /tmp/orphan-node; mknod /tmp/orphan-node c 240 0
    out=$(ctnctl --device /tmp/orphan-node list 2>&1); rc=$?
    rm -f /tmp/orphan-node
    expect_eq "a node with no driver" 1 $rc
    expect_match "says the module is not loaded" 'orphan-node has no device behind it: the ctn module is not loaded' "$out"
}

t_capabilities() {
    ctn_load || fail "cannot load"
    ctnctl create plain >/dev/null || fail "create plain"
    expect_eq "show lists the default set" 'capabilities: CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_AUDIT_WRITE CAP_SETFCAP' "$(ctnctl show plain | grep '^capabilities')"
    expect_match "and --json" '"capabilities": \[' "$(ctnctl --json show plain)"
    ctnctl create admin --cap-add net_admin --cap-drop CAP_CHOWN >/dev/null || fail "create with --cap-add/--cap-drop"
    out=$(ctnctl show admin | grep '^capabilities')
    expect_match "--cap-add adds" 'CAP_NET_ADMIN' "$out"
    printf '%s\n' "$out" | grep -q CAP_CHOWN && fail "--cap-drop did not drop: $out"
    expect_match "a granted capability works inside" '^ok' "$(ctnctl exec admin -- ctntest host netdev flags)"
    expect_eq "refused in the default set" errno=EPERM "$(ctnctl exec plain -- ctntest host netdev flags)"
    ctnctl set admin --cap-drop NET_ADMIN >/dev/null || fail "set --cap-drop"
    expect_eq "set --cap-drop takes it away, also from running members" errno=EPERM "$(ctnctl exec admin -- ctntest host netdev flags)"
    expect_match "show --spec says it against the default" 'cap_drop = \["CAP_CHOWN"\]' "$(ctnctl show --spec admin)"
    out=$(ctnctl create bad --cap-add NOPE 2>&1); rc=$?
    expect_eq "an unknown capability: exit 2" 2 $rc
    expect_match "the message says what to give" "'NOPE' is not a capability" "$out"
    ctnctl show bad >/dev/null 2>&1 && fail "the refused create left a container"
    printf 'name = "badspec"\ncap_add = ["NOPE"]\n' > /tmp/caps.toml
    out=$(ctnctl apply /tmp/caps.toml 2>&1); rc=$?
    expect_eq "a spec with an unknown capability: exit 2" 2 $rc
    expect_match "the message names the file and the key" "/tmp/caps.toml: cap_add/cap_drop: 'NOPE' is not a capability" "$out"
    printf 'name = "fromspec"\ncap_add = ["SYS_PTRACE"]\ncap_drop = ["ALL"]\n' > /tmp/caps.toml
    ctnctl apply /tmp/caps.toml >/dev/null || fail "apply a spec with cap_add/cap_drop"
    expect_eq "the spec's set" "capabilities: CAP_SYS_PTRACE" "$(ctnctl show fromspec | grep '^capabilities')"
    for c in plain admin fromspec; do ctnctl destroy $c >/dev/null || fail "destroy $c"; done
    rm -f /tmp/caps.toml /etc/ctn/containers/fromspec.toml
}
run_case "ctnctl version without the module: exit 1, says how to load it" t_version_unloaded
run_case "ctnctl version with the module reports its ABI" t_version_loaded
run_case "ctnctl --json version" t_version_json
run_case "ctnctl as an unprivileged user says it needs root" t_unprivileged
run_case "ctnctl --help" t_help
run_case "unknown verb exits 2" t_usage_error
run_case "bad arguments exit 2; a missing program 127" t_bad_arguments
run_case "--device naming something else or a node with no driver: exit 1, clear message" t_other_device
run_case "capabilities: the default set, --cap-add/--cap-drop, set, spec keys, bad names" t_capabilities
ctn_unload
ktap_finish
