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
    ctn_load || fail "cannot load"
    t=/sys/kernel/tracing
    [ -e $t/enabled_functions ] || mount -t tracefs nodev $t 2>/dev/null
    [ -e $t/enabled_functions ] || skip "no tracefs enabled_functions"
    hooked() { grep -q '^kernel_clone ' $t/enabled_functions; }
    ! hooked || fail "kernel_clone is patched with no container defined"
    ctnctl create h1 >/dev/null && ctnctl create h2 >/dev/null
    hooked || fail "kernel_clone is not patched while containers exist"
    ctnctl destroy h1 >/dev/null
    hooked || fail "the hook went away while a container still exists"
    ctnctl destroy h2 >/dev/null
    ! hooked || fail "kernel_clone is still patched after the last container went away"
}

# ftrace_enabled=0 stops every ftrace callback: with containers defined the kernel must refuse
# it (the module's ops is permanent) rather than switch every rule off.
t_ftrace_permanent() {
    f=/proc/sys/kernel/ftrace_enabled; [ -e $f ] || skip "no $f"
    ctn_load || fail "cannot load"
    ctnctl create perm --hostname perm-name >/dev/null || fail "create"
    echo 0 > $f 2>/dev/null && { echo 1 > $f; fail "ftrace_enabled=0 was accepted with a container defined"; }
    expect_eq "ftrace stays enabled" 1 "$(cat $f)"
    expect_eq "the rules still hold: uname inside" perm-name "$(ctnctl exec perm -- uname -n)"
    ctnctl destroy perm >/dev/null
    echo 0 > $f || fail "ftrace_enabled=0 refused with no container (the check proves nothing)"
    echo 1 > $f
}
run_case "module loads" t_load
run_case "/dev/ctn is a root-only (0600) character device" t_device_node
run_case "unprivileged users cannot open /dev/ctn" t_unprivileged_open
run_case "module unloads and removes /dev/ctn" t_unload
run_case "20 load/unload cycles" t_reload_20
run_case "hooks are installed only while a container exists" t_hooks_only_with_containers
run_case "kernel.ftrace_enabled=0 is refused while containers exist" t_ftrace_permanent
ctn_unload
ktap_finish
