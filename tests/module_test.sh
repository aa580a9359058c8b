#!/bin/sh
# The module loads, registers /dev/ctn (root-only character device), and unloads cleanly,
# also when repeated.
. "$(dirname "$0")/lib.sh"
ktap_plan 7

t_load() {
    ctn_unload
    insmod "$CTN_KO" || fail "insmod failed"
    ctn_loaded || fail "ctn is not in /proc/modules after insmod"
}

t_device_node() {
    ctn_load || fail "cannot load"
    [ -c /dev/ctn ] || fail "/dev/ctn is not a character device"
    expect_eq "mode and owner of /dev/ctn" "600 0 0" "$(stat -c '%a %u %g' /dev/ctn)"
    grep -q ' ctn$' /proc/misc || fail "ctn missing from /proc/misc"
}

t_unprivileged_open() {
    ctn_load || fail "cannot load"
    expect_eq "open by uid 1000" "errno=EACCES" "$(as_user ctntest version)"
}

t_unload() {
    ctn_load || fail "cannot load"
    klog_mark
    rmmod ctn || fail "rmmod failed"
    expect_unload_clean "rmmod"
    ! ctn_loaded || fail "ctn still in /proc/modules"
    [ ! -e /dev/ctn ] || fail "/dev/ctn still exists after rmmod"
    ! grep -q ' ctn$' /proc/misc || fail "ctn still in /proc/misc"
}

t_reload_20() {
    ctn_unload
    i=0
    while [ $i -lt 20 ]; do
        insmod "$CTN_KO" || fail "insmod $i failed"
        expect_eq "version after load $i" "abi=14 module=0.14.0 reserved_clear=true" "$(ctntest version)"
        rmmod ctn || fail "rmmod $i failed"
        i=$((i + 1))
    done
    [ ! -e /dev/ctn ] || fail "/dev/ctn left behind"
    expect_match "/proc/misc after the cycles" '^$' "$(grep ' ctn$' /proc/misc)"
}

t_hooks_only_with_containers() {
    ctn_unload
    insmod "$CTN_KO" || fail "cannot load"
    t=/sys/kernel/tracing
    [ -e $t/enabled_functions ] || mount -t tracefs nodev $t 2>/dev/null
    [ -e $t/enabled_functions ] || skip "no tracefs enabled_functions"
    hooked() { grep -q '^kernel_clone ' $t/enabled_functions; }
    # Everything ctn patches, by its symbol (enabled_functions names the owner's callback).
    ctn_patched() { grep -c 'ctn' $t/enabled_functions; }
    ! hooked || fail "kernel_clone is patched with no container defined"
    expect_eq "functions ctn patches before its first container" 0 "$(ctn_patched)"
    ctnctl create h1 >/dev/null && ctnctl create h2 >/dev/null
    hooked || fail "kernel_clone is not patched while containers exist"
    ctnctl destroy h1 >/dev/null
    hooked || fail "the hook went away while a container still exists"
    ctnctl destroy h2 >/dev/null
    ! hooked || fail "kernel_clone is still patched after the last container went away"
    # Parked, not removed: only the never-called anchor stays in the registration's filter.
    expect_eq "what stays patched once parked" "ctn_ftrace_anchor_hooks" \
        "$(grep 'ctn' $t/enabled_functions | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
    ctnctl create h3 --hostname armed-again >/dev/null || fail "create after parking"
    hooked || fail "kernel_clone is not patched again for the next first container"
    expect_eq "the rules hold again: uname inside" armed-again "$(ctnctl exec h3 -- uname -n)"
    ctnctl destroy h3 >/dev/null
    ! hooked || fail "kernel_clone is still patched after parking twice"
}

# ftrace_enabled=0 stops every ftrace callback: once the module has hooked anything the
# kernel must refuse it (the module's ops is permanent, parked or armed) rather than switch
# every rule off; unloading the module gives it back.
t_ftrace_permanent() {
    f=/proc/sys/kernel/ftrace_enabled; [ -e $f ] || skip "no $f"
    ctn_unload
    insmod "$CTN_KO" || fail "cannot load"
    # Before the first container nothing is hooked: tracing may go off, but then no
    # container can be made (the kernel refuses a permanent ops while tracing is off).
    echo 0 > $f || fail "ftrace_enabled=0 refused before ctn hooked anything"
    out=$(ctnctl create off 2>&1; echo rc=$?)
    expect_match "create while tracing is off: says why" "kernel.ftrace_enabled=0" "$out"
    expect_match "create while tracing is off: fails" "^rc=1$" "$out"
    expect_eq "containers made while tracing was off" "[]" "$(ctnctl --json list | tr -d " \n")"
    echo 1 > $f
    ctnctl create perm --hostname perm-name >/dev/null || fail "create"
    echo 0 > $f 2>/dev/null && { echo 1 > $f; fail "ftrace_enabled=0 was accepted with a container defined"; }
    expect_eq "ftrace stays enabled" 1 "$(cat $f)"
    expect_eq "the rules still hold: uname inside" perm-name "$(ctnctl exec perm -- uname -n)"
    ctnctl destroy perm >/dev/null
    echo 0 > $f 2>/dev/null && { echo 1 > $f; fail "ftrace_enabled=0 accepted with the hooks parked"; }
    ctn_unload
    echo 0 > $f || fail "ftrace_enabled=0 refused with the module unloaded (the check proves nothing)"
    echo 1 > $f
}
run_case "module loads" t_load
run_case "/dev/ctn is a root-only (0600) character device" t_device_node
run_case "unprivileged users cannot open /dev/ctn" t_unprivileged_open
run_case "module unloads and removes /dev/ctn" t_unload
run_case "20 load/unload cycles" t_reload_20
run_case "hooks are installed only while a container exists" t_hooks_only_with_containers
run_case "kernel.ftrace_enabled=0 is refused while the module holds hooks" t_ftrace_permanent
ctn_unload
ktap_finish
