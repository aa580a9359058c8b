#!/bin/sh
# The escape suite: attempts, made as root inside a container, to leave it, to reach what is
# not its own or to change the host; each must be refused, with the errno a program sees.
# Containers: jail (127.0.30.1, the one trying), other (127.0.31.1, private loopback
# 127.0.31.2 with a service on it), full (a task limit it has reached). A host process and a
# host service stand for what a container must not reach.
. "$(dirname "$0")/lib.sh"
ktap_plan 140

ctn_load || { echo "Bail out! cannot load ctn"; exit 1; }
# The host's queues as files (systemd mounts them there), before a root binds /dev.
grep -q ' /dev/mqueue ' /proc/mounts || { mkdir -p /dev/mqueue && mount -t mqueue mqueue /dev/mqueue; } 2>/dev/null
if [ -n "$CTN_ESCAPE_ROOT" ]; then
    # jail has a root of its own holding the host's programs, /etc, /dev, /sys and /tmp (bind
    # mounts: the rules must hold for a root that has them all) and a /proc of its own, which
    # ctnctl exec mounts. Its identity files are not adapted: /etc is the host's.
    # The kernel interfaces' file systems are mounted first, so that the root holds them too
    # (binfmt_misc where the jail reaches it: its /proc is its own).
    JAIL_ROOT=/srv/jail BINFMT=/tmp/binfmt_misc
    mkdir -p $BINFMT
    for fs in binfmt_misc:$BINFMT tracefs:/sys/kernel/tracing debugfs:/sys/kernel/debug \
        securityfs:/sys/kernel/security cgroup2:/sys/fs/cgroup; do
        mount -t ${fs%%:*} ${fs%%:*} ${fs#*:} 2>/dev/null
    done
    mkdir -p /srv && mount -t tmpfs tmpfs /srv && mkdir -p $JAIL_ROOT/proc || { echo "Bail out! no /srv"; exit 1; }
    for d in bin sbin usr lib lib64 etc tests dev sys tmp; do
        [ -d /$d ] || continue
        mkdir -p $JAIL_ROOT/$d && mount -o rbind /$d $JAIL_ROOT/$d || { echo "Bail out! bind /$d"; exit 1; }
    done
    printf '%s\n' 'name = "jail"' 'hostname = "jail"' 'ip = "127.0.30.1"' '[limits]' \
        'max_tasks = 20' '[root]' "path = \"$JAIL_ROOT\"" 'adapt = false' > /tmp/jail.toml
    ctnctl apply /tmp/jail.toml >/dev/null || { echo "Bail out! cannot make a rooted jail"; exit 1; }
    # Inside, /ctn (the host's, not bound) is missing and /proc is the root's own.
    ctnctl exec jail -- sh -c '[ ! -e /ctn ]' && [ -d $JAIL_ROOT/proc/1 ] ||
        { echo "Bail out! jail is not in its root"; exit 1; }
else
    ctnctl create jail --hostname jail --ip 127.0.30.1 --max-tasks 20 >/dev/null
fi
ctnctl create other --ip 127.0.31.1 --loopback 127.0.31.2 >/dev/null
ctnctl create full --max-tasks 1 >/dev/null
sleep 300 & HOST=$!
# A host process group of its own (the VM's processes are all in group 0).
setsid sleep 300 & GROUP=$!
wait_for "the host group's leader" has_line /proc/$GROUP/stat "^$GROUP \\(sleep\\) [A-Z] [0-9]+ $GROUP "
HOST_PGRP=$GROUP
rm -f /tmp/escape.serve
ctnctl exec other -- ctntest net serve 7000 --addr 127.0.0.1 --reply private --count 1 > /tmp/escape.serve &
wait_for "other's private service" has_line /tmp/escape.serve listening
# The host's IPC objects (a key stands for a host daemon's, the abstract socket for
# containerd-shim's, CVE-2020-15257).
host_id() { ctntest ipc "$@" | sed -n 's/^id=\([0-9]*\).*/\1/p'; }
HOST_SHM=$(host_id shm-put 0xe5c host-shm) HOST_MSG=$(host_id msg-put 0xe5c host-msg)
HOST_SEM=$(host_id sem-put 0xe5c)
rm -f /tmp/escape.shim
ctntest ipc abstract-serve escape-shim host > /tmp/escape.shim &
wait_for "the host's abstract socket" has_line /tmp/escape.shim listening
IN="ctnctl exec jail --"
# refused WHAT ERRNO CMD...: CMD, run inside jail, prints errno=ERRNO.
refused() { what=$1 errno=$2; shift 2; expect_eq "$what" "errno=$errno" "$($IN "$@")"; }

# --- /dev/ctn: leave, switch, reconfigure ---------------------------------------------------
t_switch() { refused "attach itself to another container" EPERM ctntest call attach --name other; }
t_pull_host() { refused "pull a host process into its container" EPERM ctntest call attach --name jail --pid $HOST; }
t_destroy_own() { refused "destroy its own container (and so leave it)" EPERM ctntest call destroy --name jail; }
t_create() { refused "create a container" EPERM ctntest call create --name newjail; }
t_identity() { refused "give itself another container's address" EPERM ctntest call set-identity --name jail --flags 4 --ipv4 127.0.31.1; }
t_limits_own() { refused "raise its own limits" EPERM ctntest call set-limits --name jail --flags 1 --tasks 1000; }
t_limits_other() { refused "change another container's limits" EPERM ctntest call set-limits --name other --flags 1 --tasks 1; }
t_kill_other() { refused "signal another container through /dev/ctn" EPERM ctntest call kill --name other --signal 9; }
t_host_knob() { refused "change the host's CPU reserve" EPERM ctntest call host --flags 1 --reserve-pct 100; }
t_ctnctl() {
    out=$($IN ctnctl destroy --force other 2>&1); rc=$?
    expect_eq "ctnctl inside fails" 1 "$rc"
    ctnctl show other >/dev/null || fail "other is gone"
}

# --- identity and network -------------------------------------------------------------------
t_hostname() {
    $IN hostname escaped || fail "sethostname inside is allowed (it names the container)"
    expect_eq "the host's name is unchanged" ctn-vm "$(hostname)"
    expect_eq "the container's changed" escaped "$($IN hostname)"
}
t_unshare_net() { refused "unshare a network namespace" EPERM ctntest escape unshare-net; }
t_clone3_uts() { refused "clone3 into a new UTS namespace" EPERM ctntest escape clone3-newuts; }
t_bind_foreign() { refused "bind a host address" EADDRNOTAVAIL ctntest net bind 127.0.99.1 8080; }
t_bind_other() { refused "bind another container's address" EADDRNOTAVAIL ctntest net bind 127.0.31.1 8080; }
t_private_lo() { refused "connect to another container's private loopback" EPERM ctntest net connect 127.0.31.2 7000; }

# --- processes of the host ------------------------------------------------------------------
t_kill_host() { refused "kill a host process" EPERM ctntest reach kill $HOST --sig 9; }
t_kill_all() {
    $IN ctntest reach kill --sig 9 -- -1 >/dev/null
    kill -0 $HOST || fail "kill(-1) inside reached a host process"
}
t_ptrace() { refused "ptrace a host process" ESRCH ctntest reach ptrace $HOST; }
t_proc_environ() { refused "read a host process's environment" EPERM ctntest reach open /proc/$HOST/environ; }
t_proc_root() { refused "walk out through /proc/PID/root" EPERM ctntest reach open /proc/$HOST/root/etc/passwd; }

# --- the file system, the kernel, the machine ----------------------------------------------
t_chroot() { refused "chroot (a way out of a chroot)" EPERM ctntest escape double-chroot --target /etc/passwd; }
t_mount() { refused "mount a file system" EPERM ctntest escape mount; }
t_pivot() { refused "pivot_root" EPERM ctntest escape pivot-root; }
t_module() {
    refused "load a module (finit_module)" EPERM ctntest escape finit-module
    refused "load a module (init_module)" EPERM ctntest escape init-module
}
t_reboot() { refused "reboot the host" EPERM ctntest escape reboot; }
t_clock() { refused "set the host's clock" EPERM ctntest escape clock-settime; }

# --- resource limits ------------------------------------------------------------------------
t_setrlimit() { refused "raise RLIMIT_NPROC above its task limit" EPERM ctntest res rlimit nproc --set 1000:1000; }
t_threads() { expect_match "threads past the task limit" 'threads=0 errno=EAGAIN' "$(ctnctl exec full -- ctntest res tasks --threads 4)"; }
t_vfork() {
    expect_eq "vfork past the task limit" errno=EAGAIN "$(ctnctl exec full -- ctntest escape vfork)"
    expect_eq "clone3 past the task limit" errno=EAGAIN "$(ctnctl exec full -- ctntest escape clone3)"
}

# --- capabilities: what root inside lacks (the container's capability set) ----------------
t_mknod_chr() { refused "mknod a character device (/dev/kmsg's number)" EPERM ctntest host mknod /tmp/esc-kmsg 1 11; }
t_mknod_blk() { refused "mknod a block device" EPERM ctntest host mknod --block /tmp/esc-blk 7 0; }
t_raw() { refused "open a raw IPv4 socket" EPERM ctntest host socket raw; }
t_raw6() { refused "open a raw IPv6 socket" EPERM ctntest host socket raw6; }
t_so_priority() { refused "SO_PRIORITY 7 (CAP_NET_ADMIN)" EPERM ctntest host socket priority; }
t_so_mark() { refused "SO_MARK (CAP_NET_ADMIN)" EPERM ctntest host socket mark; }
t_ifalias() {
    refused "ifconfig lo:9 (SIOCSIFADDR)" EPERM ctntest host netdev alias
    ifconfig -a | grep -q 192.0.2.9 && fail "the host has the alias address"
    :
}
# mtu_kept WHAT ERRNO CMD...: as refused, and the host's loopback MTU is as before.
mtu_kept() {
    before=$(cat /sys/class/net/lo/mtu)
    refused "$@"
    expect_eq "the host's loopback MTU" "$before" "$(cat /sys/class/net/lo/mtu)"
}
t_ifmtu() { mtu_kept "ifconfig lo mtu 1280 (SIOCSIFMTU)" EPERM ctntest host netdev mtu; }
t_ifflags() { refused "SIOCSIFFLAGS on lo" EPERM ctntest host netdev flags; }
t_route() { refused "add a route (SIOCADDRT)" EPERM ctntest host netdev route; }
t_rtnl_addr() {
    refused "add an address over rtnetlink (RTM_NEWADDR)" EPERM ctntest host rtnetlink addr
    ifconfig -a | grep -q 192.0.2.10 && fail "the host has the address"
    :
}
t_rtnl_link() {
    refused "create a link over rtnetlink (RTM_NEWLINK)" EPERM ctntest host rtnetlink link
    [ ! -e /sys/class/net/ctn-esc0 ] || fail "the host has a new link"
}
t_klog_clear() {
    klog_mark
    refused "clear the kernel log (klogctl 5)" EPERM ctntest host klogctl 5
    [ -n "$(klog_since)" ] || fail "the host's log was cleared"
}
t_klog_level() { refused "set the console log level (klogctl 8)" EPERM ctntest host klogctl 8; }
t_proc_kmsg() { refused "read /proc/kmsg (root's only; SYSLOG is not in the set either)" EACCES ctntest host read /proc/kmsg; }
t_perf_all() { refused "perf_event_open on every process (system-wide)" EACCES ctntest host perf --cpu 0 -1; }
t_perf_host() { refused "perf_event_open on a host process" EACCES ctntest host perf $HOST; }
t_bpf() { refused "bpf(BPF_MAP_CREATE)" EPERM ctntest host bpf; }
# refused_if_built WHAT ERRNO CMD...: as refused, skipped where the kernel lacks the call.
refused_if_built() {
    what=$1 errno=$2; shift 2
    out=$($IN "$@")
    [ "$out" != errno=ENOSYS ] || skip "not in this kernel (ENOSYS for everyone)"
    expect_eq "$what" "errno=$errno" "$out"
}
t_iopl() { refused_if_built "iopl(3)" EPERM ctntest host iopl; }
t_ioperm() { refused_if_built "ioperm" EPERM ctntest host iopl --ioperm; }
t_shocker() {
    out=$($IN ctntest host open-by-handle)
    [ "$out" != errno=ENOSYS ] && [ "$out" != errno=EOPNOTSUPP ] || skip "no open_by_handle_at in this kernel"
    expect_eq "open_by_handle_at (CAP_DAC_READ_SEARCH)" errno=EPERM "$out"
}
# The container's default set (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
# NET_BIND_SERVICE SYS_CHROOT AUDIT_WRITE SETFCAP), as /proc/PID/status prints it.
DEFAULT_CAPS=00000000a00405fb
t_caps_held() {
    for set in CapPrm CapEff; do
        expect_eq "$set of root inside" "$set:	$DEFAULT_CAPS" "$($IN grep "^$set:" /proc/self/status)"
    done
}
t_thread_exec() {
    # execve from a secondary thread: the kernel kills the leader and gives the thread the
    # process's pid; it stays in the container with the container's set.
    expect_eq "CapEff after an exec from a thread" "CapEff:	$DEFAULT_CAPS" \
        "$($IN ctntest thread-exec grep '^CapEff:' /proc/self/status)"
    refused "mount after an exec from a thread" EPERM ctntest thread-exec ctntest escape mount
    expect_eq "the process is still counted in jail" 1 \
        "$($IN ctntest thread-exec sh -c 'ctnctl ps jail | grep -c "^ *$$ "')"
}
t_capset() {
    expect_eq "the host's root holds every capability" ok "$(ctntest host capset-all)"
    refused "capset of every capability" EPERM ctntest host capset-all
}
t_mmap_low() {
    expect_eq "the host's root maps page 0" ok "$(ctntest host mmap-low)"
    refused "mmap at address 0 (below mmap_min_addr)" EPERM ctntest host mmap-low
}
t_caps_own() {
    $IN sh -c 'echo x > /tmp/esc-own && chown 1000:1000 /tmp/esc-own' || fail "chown inside (CAP_CHOWN) is refused"
    expect_match "bind a port below 1024 inside (CAP_NET_BIND_SERVICE)" '^ok' "$($IN ctntest net bind 127.0.30.1 80)"
    rm -f /tmp/esc-own
}

# --- the host's configuration: /proc/sys, /sys, device nodes -------------------------------
# sysctl_refused WHAT FILE: a write to FILE inside is EACCES and the host's value stays.
sysctl_refused() {
    before=$(cat "$2")
    refused "$1" EACCES ctntest host write "$2" "|/tmp/escaped %p"
    expect_eq "$2 on the host" "$before" "$(cat "$2")"
}
t_core_pattern() { sysctl_refused "write /proc/sys/kernel/core_pattern" /proc/sys/kernel/core_pattern; }
t_proc_hostname() {
    sysctl_refused "write /proc/sys/kernel/hostname" /proc/sys/kernel/hostname
    expect_eq "the host's name" ctn-vm "$(hostname)"
}
t_modprobe_path() { sysctl_refused "write /proc/sys/kernel/modprobe" /proc/sys/kernel/modprobe; }
t_sysctl_net() { sysctl_refused "write /proc/sys/net/ipv4/ip_forward" /proc/sys/net/ipv4/ip_forward; }
t_sysctl_read() { expect_match "reading /proc/sys stays allowed" '^ok' "$($IN ctntest host read /proc/sys/kernel/ostype)"; }
t_sysfs_mtu() { mtu_kept "write /sys/class/net/lo/mtu" EACCES ctntest host write /sys/class/net/lo/mtu 1280; }
t_sysfs_uevent() { refused "write /sys/kernel/uevent_helper or a device's uevent" EACCES ctntest host write /sys/class/net/lo/uevent add; }
t_dev_kmsg() {
    klog_mark
    refused "write /dev/kmsg (inject a host log line)" EPERM ctntest host write /dev/kmsg "ctn-escape-injected"
    klog_since escape-kmsg | grep -q ctn-escape-injected && fail "the line reached the host's log"
    :
}
t_dev_console() { refused "open the host's serial console /dev/ttyS0" EPERM ctntest host read /dev/ttyS0; }
t_dev_made() {
    mknod /tmp/esc-hostmade c 1 11 || fail "host mknod"
    refused "open a device node the host left in reach (/dev/kmsg's number)" EPERM ctntest host write /tmp/esc-hostmade x
    rm -f /tmp/esc-hostmade
}
t_dev_allowed() {
    expect_match "/dev/null opens" '^ok' "$($IN ctntest host write /dev/null x)"
    expect_match "/dev/urandom opens" '^ok' "$($IN ctntest host read /dev/urandom)"
}
t_modautoload() {
    printf '#!/bin/sh\necho "$@" >> /tmp/esc-modprobe.log\n' > /tmp/esc-modprobe; chmod 755 /tmp/esc-modprobe
    old=$(cat /proc/sys/kernel/modprobe); echo /tmp/esc-modprobe > /proc/sys/kernel/modprobe
    rm -f /tmp/esc-modprobe.log
    $IN ctntest host socket autoload >/dev/null
    inside=$(cat /tmp/esc-modprobe.log 2>/dev/null)
    ctntest host socket autoload >/dev/null
    echo "$old" > /proc/sys/kernel/modprobe
    [ -z "$inside" ] || fail "a member made the host run modprobe: $inside"
    grep -q net-pf-45 /tmp/esc-modprobe.log || fail "the host's own request did not run modprobe (the check proves nothing)"
}

# --- the kernel's interfaces in files: /proc entries, pseudo file systems, bpf --------------
# mounted_at FSTYPE DIR: the host has FSTYPE at DIR (mounted here if it was not).
mounted_at() {
    grep -q " $2 $1 " /proc/mounts || mount -t "$1" "$1" "$2" || skip "no $1 in this kernel"
}
t_sysrq() {
    [ -e /proc/sysrq-trigger ] || skip "no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ)"
    klog_mark
    refused "write /proc/sysrq-trigger (reboot, crash, kill every task)" EACCES ctntest host write /proc/sysrq-trigger h
    klog_since | grep -q 'sysrq: HELP' && fail "the SysRq request reached the kernel"
    :
}
t_proc_irq() {
    f=/proc/irq/1/smp_affinity; [ -e $f ] || skip "no $f"
    before=$(cat $f)
    refused "write /proc/irq/1/smp_affinity (move a host interrupt)" EACCES ctntest host write $f "$before"
    expect_eq "the interrupt's CPUs" "$before" "$(cat $f)"
}
t_proc_pci() {
    f=$(ls /proc/bus/pci/00/* 2>/dev/null | head -n 1); [ -n "$f" ] || skip "no /proc/bus/pci"
    before=$(od -An -tx1 -N4 "$f")
    refused "write PCI configuration space (/proc/bus/pci)" EACCES ctntest host write "$f" x
    expect_eq "the device's first bytes" "$before" "$(od -An -tx1 -N4 "$f")"
}
t_proc_own() {
    expect_eq "its own /proc/PID stays writable (comm)" renamed "$($IN sh -c 'echo renamed > /proc/self/comm && read c < /proc/self/comm && echo $c')"
}
t_binfmt_misc() {
    d=${BINFMT:-/proc/sys/fs/binfmt_misc}; mounted_at binfmt_misc $d
    refused "register a binfmt_misc interpreter (runs as whoever execs)" EACCES ctntest host write $d/register ':ctnesc:E::ctnesc::/bin/true:'
    [ ! -e $d/ctnesc ] || { echo -1 > $d/ctnesc; fail "the interpreter was registered"; }
}
t_tracefs() {
    d=/sys/kernel/tracing; mounted_at tracefs $d
    before=$(cat $d/tracing_on)
    refused "write tracefs (tracing_on)" EACCES ctntest host write $d/tracing_on 0
    expect_eq "tracing_on" "$before" "$(cat $d/tracing_on)"
    refused "read the host's trace (tracefs)" EACCES ctntest host read $d/trace
}
# The names and modes of a kernel interface are host-wide: a mode set on a /proc entry is
# every process's (a member that can write /proc/sysrq-trigger has it for the host), a
# directory made in tracefs, configfs or cgroupfs makes a kernel object.
t_proc_modes() {
    f=/proc/sysrq-trigger; [ -e $f ] || skip "no $f (CONFIG_MAGIC_SYSRQ)"
    before=$(stat -c %a:%u:%g $f)
    refused "chmod /proc/sysrq-trigger (its mode is every process's)" EPERM ctntest host change chmod $f 666
    refused "chown /proc/sysrq-trigger" EPERM ctntest host change chown $f 1000:1000
    after=$(stat -c %a:%u:%g $f)
    [ "$after" = "$before" ] || { chmod 200 $f; chown 0:0 $f; fail "its mode and owner: $before became $after"; }
}
t_dev_names() {
    grep -q "^devtmpfs /dev " /proc/mounts || skip "/dev is no devtmpfs"
    : > /dev/ctn-escape-probe || fail "the host makes a file in /dev"
    before=$(stat -c %a:%u:%g /dev/ttyS0)
    refused "unlink a name in the host's /dev (devtmpfs)" EACCES ctntest host change unlink /dev/ctn-escape-probe
    refused "mkdir in the host's /dev" EACCES ctntest host change mkdir /dev/ctn-escape-dir
    refused "chmod the host's /dev/ttyS0" EPERM ctntest host change chmod /dev/ttyS0 666
    [ -e /dev/ctn-escape-probe ] || fail "the host's /dev lost a name"
    [ ! -e /dev/ctn-escape-dir ] || { rmdir /dev/ctn-escape-dir; fail "a directory was made in the host's /dev"; }
    after=$(stat -c %a:%u:%g /dev/ttyS0)
    [ "$after" = "$before" ] || { chmod ${before%%:*} /dev/ttyS0; fail "/dev/ttyS0's mode and owner: $before became $after"; }
    rm -f /dev/ctn-escape-probe
    expect_match "/dev/null still opens for writing" '^ok' "$($IN ctntest host write /dev/null x)"
}
t_sysfs_modes() {
    f=/sys/kernel/uevent_seqnum; [ -e $f ] || skip "no $f"
    before=$(stat -c %a:%u:%g $f)
    refused "chmod a sysfs file" EPERM ctntest host change chmod $f 666
    after=$(stat -c %a:%u:%g $f)
    [ "$after" = "$before" ] || { chmod 444 $f; fail "its mode: $before became $after"; }
}
# --- the rest of a distribution kernel (issue 15): /dev/mem, tun, loop, netfilter, cgroups --
t_dev_mem() {
    [ -c /dev/mem ] || skip "no /dev/mem (CONFIG_DEVMEM)"
    refused "read /dev/mem (the host's physical memory)" EPERM ctntest host read /dev/mem
    [ -c /dev/port ] || return 0
    refused "write /dev/port (the host's I/O ports)" EPERM ctntest host write /dev/port x
}
t_dev_tun() {
    [ -c /dev/net/tun ] || skip "no /dev/net/tun (CONFIG_TUN)"
    refused "open /dev/net/tun (make a host network interface)" EPERM ctntest host read /dev/net/tun
}
t_dev_loop() {
    [ -c /dev/loop-control ] || skip "no /dev/loop-control (CONFIG_BLK_DEV_LOOP)"
    refused "open /dev/loop-control (make a loop device)" EPERM ctntest host read /dev/loop-control
    [ -b /dev/loop0 ] || return 0
    refused "open a loop device (/dev/loop0)" EPERM ctntest host read /dev/loop0
}
t_nft() {
    out=$(ctntest escape nft-del-table)
    [ "$out" = errno=ENOENT ] || skip "no nf_tables for the host either ($out)"
    refused "nf_tables: change the host's firewall over netlink (CAP_NET_ADMIN)" EPERM ctntest escape nft-del-table
}
t_cgroupfs() {
    d=/sys/fs/cgroup; mounted_at cgroup2 $d
    refused "move itself into the host's root cgroup (cgroup.procs)" EACCES ctntest host write $d/cgroup.procs 0
    refused "make a cgroup (mkdir in cgroupfs)" EACCES ctntest host change mkdir $d/ctnesc
    [ ! -d $d/ctnesc ] || { rmdir $d/ctnesc; fail "the cgroup was made"; }
    mkdir $d/ctnhost || fail "the host cannot make a cgroup (the check proves nothing)"
    refused "change a host cgroup's limits (cgroup.max.descendants)" EACCES ctntest host write $d/ctnhost/cgroup.max.descendants 0
    expect_eq "the host cgroup's limit" max "$(cat $d/ctnhost/cgroup.max.descendants)"
    refused "remove the host's cgroup" EACCES ctntest host change rmdir $d/ctnhost
    rmdir $d/ctnhost || fail "the host's cgroup is gone"
}
t_host_pty() {
    # A host user's terminal: the admin's shell would read what the member writes, and the
    # member what the admin types.
    rm -f /tmp/esc-pty
    ctntest host pty --hold 30 > /tmp/esc-pty &
    holder=$!
    wait_for "the host's pty" has_line /tmp/esc-pty '^ok /dev/pts/'
    pts=$(sed -n 's/^ok \(\/dev\/pts\/[0-9]*\)$/\1/p' /tmp/esc-pty | head -n 1)
    refused "open a host user's terminal ($pts)" EPERM ctntest host read "$pts"
    refused "write to it" EPERM ctntest host write "$pts" "ctn-escape"
    # Every devpts instance numbers its ptys from 0: ptys the member makes in another
    # instance do not make the host's of the same numbers its own.
    # (Mounted where the member sees it: in its root's /tmp, when it has one.)
    mnt=${JAIL_ROOT:-}/tmp/esc-inst
    mkdir -p /tmp/esc-inst && mount -t devpts -o newinstance,ptmxmode=0666 devpts "$mnt" ||
        fail "the host cannot mount a devpts instance"
    rm -f /tmp/esc-inst.out
    $IN ctntest host pty --dir /tmp/esc-inst --count 8 --hold 30 > /tmp/esc-inst.out &
    inst=$!
    wait_for "the member's ptys in the other instance" has_line /tmp/esc-inst.out '^ok /tmp/esc-inst/7$'
    refused "open the host's terminal of a number it has elsewhere ($pts)" EPERM ctntest host read "$pts"
    kill $holder $inst; wait $holder $inst 2>/dev/null
    umount "$mnt"
    expect_match "its own pty opens (ptmx, then its /dev/pts/N)" '^ok /dev/pts/[0-9]+' "$($IN ctntest host pty)"
    # A member killed while it holds a pty: the kernel frees the pty after the task has
    # left its container (exit_files runs after the exit tracepoint), and the host's next
    # pty takes the same number. Both calls come from tasks outside every container: the
    # number must not stay the container's.
    rm -f /tmp/esc-pty
    $IN sh -c 'echo pid $$; exec ctntest host pty --hold 37' > /tmp/esc-pty &
    wait_for "the member's pty" has_line /tmp/esc-pty '^ok /dev/pts/'
    mine=$(sed -n 's/^ok \(\/dev\/pts\/[0-9]*\)$/\1/p' /tmp/esc-pty | head -n 1)
    kill -9 "$(sed -n 's/^pid //p' /tmp/esc-pty)" || fail "cannot kill the member holding $mine"
    wait 2>/dev/null
    rm -f /tmp/esc-pty
    ctntest host pty --hold 30 > /tmp/esc-pty &
    holder=$!
    wait_for "the host's pty" has_line /tmp/esc-pty '^ok /dev/pts/'
    pts=$(sed -n 's/^ok \(\/dev\/pts\/[0-9]*\)$/\1/p' /tmp/esc-pty | head -n 1)
    expect_eq "the host's new pty has the killed member's number" "$mine" "$pts"
    refused "open the host's terminal that has the number of a pty it had ($pts)" EPERM ctntest host read "$pts"
    kill $holder; wait $holder 2>/dev/null || true
}
t_lease() {
    f=/proc/sys/kernel/ostype
    expect_eq "the host can take a lease there (the check proves something)" ok "$(ctntest host lease $f)"
    refused "a lease on a kernel interface's file (the host's writers would wait it out)" EACCES ctntest host lease $f
    refused "flock of a kernel interface's file" EACCES ctntest host lease --flock $f
    expect_eq "a lease on its own file stays allowed" ok "$($IN sh -c 'f=/tmp/esc-lease.$$; : > $f; ctntest host lease $f; rm -f $f')"
}
t_tracefs_names() {
    d=/sys/kernel/tracing; mounted_at tracefs $d
    [ -d $d/instances ] || skip "no tracing instances"
    refused "make a tracing instance (mkdir in tracefs)" EACCES ctntest host change mkdir $d/instances/ctnesc
    [ ! -d $d/instances/ctnesc ] || { rmdir $d/instances/ctnesc; fail "the instance was made"; }
    mkdir $d/instances/ctnhost || fail "the host cannot make an instance (the check proves nothing)"
    refused "remove the host's tracing instance" EACCES ctntest host change rmdir $d/instances/ctnhost
    [ -d $d/instances/ctnhost ] || fail "the host's instance was removed"
    rmdir $d/instances/ctnhost
}
t_own_changes() {
    out=$($IN sh -c 'd=/tmp/esc-own.$$; for c in "mkdir $d" "chmod $d 700" "chown $d 1:1" \
        "symlink $d/l x" "rename $d/l $d/m" "unlink $d/m" "rmdir $d"; do ctntest host change $c; done')
    expect_eq "names and modes in its own files (tmpfs)" "ok ok ok ok ok ok ok" "$(echo $out)"
}
# What the kernel keeps to root among its interfaces' files (no read for others) reaches
# hardware or its memory: a member reads them as an unprivileged user would, not with
# DAC_OVERRIDE.
t_sysfs_private() {
    f=$(find /sys/firmware/acpi/tables /sys/bus/pci/devices/ -type f \( -name 'DSDT' -o -name 'resource0' -o -name rom \) -perm -0400 ! -perm -0004 2>/dev/null | head -n 1)
    [ -n "$f" ] || skip "no ACPI table or PCI resource file"
    expect_match "the host reads $f" '^ok' "$(ctntest host read "$f")"
    refused "read $f (root's only)" EACCES ctntest host read "$f"
    expect_match "a file for everyone stays readable" '^ok' "$($IN ctntest host read /sys/kernel/uevent_seqnum)"
}
t_proc_private() {
    f=$(find /proc -maxdepth 1 -type f -perm -0400 ! -perm -0004 2>/dev/null | head -n 1)
    [ -n "$f" ] || skip "no /proc entry for root only"
    expect_match "the host reads $f" '^ok' "$(ctntest host read "$f")"
    refused "read $f (root's only)" EACCES ctntest host read "$f"
    expect_match "its own environ (0400) stays readable" '^ok' "$($IN ctntest host read /proc/self/environ)"
}
t_debugfs() {
    mounted_at debugfs /sys/kernel/debug
    refused "open debugfs" EACCES ctntest host read /sys/kernel/debug
}
t_securityfs() {
    mounted_at securityfs /sys/kernel/security
    expect_match "securityfs reads stay allowed" '^ok' "$($IN ctntest host read /sys/kernel/security/lsm)"
    refused "write securityfs (lsm)" EACCES ctntest host write /sys/kernel/security/lsm x
}
t_bpf_obj_get() {
    expect_eq "the host's BPF_OBJ_GET reaches the file system" errno=ENOENT "$(ctntest host bpf-obj-get /tmp/no-such-pin)"
    refused "bpf(BPF_OBJ_GET) of a pinned object (no capability asked)" EPERM ctntest host bpf-obj-get /tmp/no-such-pin
}

# --- the terminal ctnctl exec was run from (the admin's) ------------------------------------
# on_tty CMD...: CMD on a new terminal that is its controlling terminal, as an admin's; its
# output without the terminal's carriage returns, then queued=N (input left for the admin).
on_tty() { ctntest on-terminal "$@" | tr -d '\r'; }
NL='
'
t_tiocsti() {
    out=$(on_tty ctntest host tiocsti /dev/tty "id$NL")
    expect_match "the host's TIOCSTI types a line into its own terminal" '^ok' "$out"
    expect_match "and the line waits in its input" 'queued=3$' "$out"
    out=$(on_tty $IN ctntest host tiocsti /dev/tty "id$NL")
    expect_match "TIOCSTI into the admin's terminal from inside" '^errno=EPERM' "$out"
    expect_match "nothing waits in the admin's input" 'queued=0$' "$out"
}
t_tioclinux() {
    expect_match "the host's TIOCLINUX on a terminal that is no console (or a kernel without VT)" '^errno=(EINVAL|ENOTTY)' "$(on_tty ctntest host ioctl /dev/tty 0x541C)"
    expect_match "TIOCLINUX from inside" '^errno=EPERM' "$(on_tty $IN ctntest host ioctl /dev/tty 0x541C)"
}
t_kd_ioctl() {
    expect_match "the host's KDGKBTYPE on a pseudo-terminal reaches the terminal" '^errno=ENOTTY' "$(on_tty ctntest host ioctl /dev/tty 0x4B33)"
    expect_match "a console keyboard ioctl (KDGKBTYPE) from inside" '^errno=EPERM' "$(on_tty $IN ctntest host ioctl /dev/tty 0x4B33)"
    expect_match "terminal ioctls of its own (TCGETS) stay allowed" '^ok' "$(on_tty $IN ctntest host ioctl /dev/tty 0x5401)"
}

# --- other processes: scheduling, limits, memory, SIGIO -------------------------------------
nice_of() { cut -d' ' -f19 /proc/$1/stat; }
t_prlimit_set() {
    before=$(grep 'Max open files' /proc/$HOST/limits)
    refused "prlimit(host, RLIMIT_NOFILE, 0)" ESRCH ctntest host prlimit $HOST --set 0
    expect_eq "the host process's limit" "$before" "$(grep 'Max open files' /proc/$HOST/limits)"
}
t_prlimit_get() { refused "prlimit (read) of a host process" ESRCH ctntest host prlimit $HOST; }
t_setprio_pid() {
    refused "setpriority(PRIO_PROCESS, host, 19)" EPERM ctntest host setpriority process $HOST 19
    expect_eq "the host process's nice" 0 "$(nice_of $HOST)"
}
t_setprio_pgrp() {
    refused "setpriority(PRIO_PGRP, a host group, 19)" EPERM ctntest host setpriority pgrp $HOST_PGRP 19
    expect_eq "the host group's nice" 0 "$(nice_of $GROUP)"
}
t_setprio_user() {
    $IN ctntest host setpriority user 0 19 >/dev/null
    expect_eq "setpriority(PRIO_USER, root) leaves the host's root processes" 0 "$(nice_of $HOST)"
    expect_eq "and the host's shell" 0 "$(nice_of $$)"
}
t_affinity() {
    before=$(grep Cpus_allowed_list /proc/$HOST/status)
    refused "sched_setaffinity(host)" EPERM ctntest host sched setaffinity $HOST
    expect_eq "the host process's CPUs" "$before" "$(grep Cpus_allowed_list /proc/$HOST/status)"
}
t_getaffinity() { refused "sched_getaffinity(host)" EPERM ctntest host sched getaffinity $HOST; }
t_setscheduler() {
    refused "sched_setscheduler(host, SCHED_IDLE)" EPERM ctntest host sched setscheduler $HOST
    expect_eq "the host process's policy" 0 "$(cut -d' ' -f41 /proc/$HOST/stat)"
}
t_getscheduler() { refused "sched_getscheduler(host)" EPERM ctntest host sched getscheduler $HOST; }
t_setattr() { refused "sched_setattr(host, nice 19)" EPERM ctntest host sched setattr $HOST; }
t_getparam() { refused "sched_getparam(host)" EPERM ctntest host sched getparam $HOST; }
t_vm_read() { refused_if_built "process_vm_readv of a host process" EPERM ctntest host process-vm $HOST; }
t_vm_write() { refused_if_built "process_vm_writev of a host process" EPERM ctntest host process-vm $HOST --write; }
t_pidfd() { refused "pidfd_open of a host process" ESRCH ctntest host pidfd-open $HOST; }
t_setown() {
    refused "F_SETOWN to a host process (SIGKILL by SIGIO)" ESRCH ctntest host setown $HOST --signal 9
    kill -0 $HOST || fail "the host process was killed"
}
t_setown_pgrp() {
    refused "F_SETOWN to a host process group" ESRCH ctntest host setown --signal 9 -$HOST_PGRP
    kill -0 $GROUP || fail "the host group was killed"
}
t_setown_ex() {
    out=$($IN ctntest host setown $HOST --ex --signal 9)
    kill -0 $HOST || fail "F_SETOWN_EX: the host process was killed"
    expect_match "F_SETOWN_EX to a host process leaves no owner" 'owner=0$|^errno=ESRCH$' "$out"
}
t_fiosetown() {
    refused "FIOSETOWN on a socket to a host process" ESRCH ctntest host setown $HOST --ioctl --signal 9
    kill -0 $HOST || fail "the host process was killed"
}
# --- IPC of the host -----------------------------------------------------------------------
t_shm_key() {
    refused "find the host's shared memory by key" ENOENT ctntest ipc shm-get 0xe5c
    expect_eq "the segment is unchanged" "id=$HOST_SHM text=host-shm" "$(ctntest ipc shm-get 0xe5c)"
}
t_shm_id() {
    refused "attach the host's shared memory by id" EINVAL ctntest ipc shm-at $HOST_SHM
    refused "remove it" EINVAL ctntest ipc shm-ctl $HOST_SHM rmid
    expect_eq "the segment is still there" text=host-shm "$(ctntest ipc shm-at $HOST_SHM)"
}
t_msg_id() {
    refused "send to the host's message queue by id" EINVAL ctntest ipc msg-snd $HOST_MSG spoofed
    expect_eq "the queue holds the host's message only" "id=$HOST_MSG text=host-msg" "$(ctntest ipc msg-get 0xe5c)"
}
t_sem_id() { refused "operate the host's semaphore by id" EINVAL ctntest ipc sem-op $HOST_SEM; }
t_abstract() {
    refused "connect to the host's abstract socket" ECONNREFUSED ctntest ipc abstract-connect escape-shim
    expect_eq "the host's service answers the host" reply=host "$(ctntest ipc abstract-connect escape-shim)"
}
# The host's queues: through mq_open (a member's names are filed under its prefix: the
# host's are not found), through the 32-bit entry, and through the host's /dev/mqueue.
mq_setup() {
    [ -e /proc/sys/fs/mqueue ] || skip "no POSIX message queues (CONFIG_POSIX_MQUEUE)"
    ctntest ipc mq-put /ctn-host host-mq >/dev/null || fail "the host makes a queue"
}
mq_kept() {
    expect_eq "the host's queue holds its message" text=host-mq "$(ctntest ipc mq-get /ctn-host)"
    ctntest ipc mq-unlink /ctn-host >/dev/null
}
t_mq() {
    mq_setup
    refused "open the host's message queue" ENOENT ctntest ipc mq-get /ctn-host
    refused "remove it" ENOENT ctntest ipc mq-unlink /ctn-host
    refused80 "open it" ENOENT mq-open --name ctn-host
    refused80 "remove it" ENOENT mq-unlink --name ctn-host
    mq_kept
}
t_mq_fs() {
    mq_setup
    q=/dev/mqueue/ctn-host
    refused "read the host's queue through /dev/mqueue" EACCES ctntest host read $q
    refused "list the host's queues" EACCES ctntest reach open /dev/mqueue
    refused "remove the host's queue through /dev/mqueue" EACCES ctntest host change unlink $q
    refused "chmod it" EPERM ctntest host change chmod $q 666
    refused "make a queue in the host's names" EACCES ctntest host change create /dev/mqueue/ctn-made
    refused "truncate it (its size)" EPERM ctntest host change truncate $q
    refused "set its times" EPERM ctntest host change utime $q
    refused "stat it (its times tell when it is used)" EACCES ctntest host stat $q
    refused "watch the directory (names of every queue made)" EACCES ctntest host watch /dev/mqueue
    refused "watch the queue" EACCES ctntest host watch $q
    expect_eq "its mode and size are unchanged" 600:80 "$(stat -c %a:%s $q)"
    [ "$(stat -c %Y $q)" != 0 ] || fail "its times were set"
    [ ! -e /dev/mqueue/ctn-made ] || fail "a queue was made in the host's names"
    mq_kept
}
t_mq_other() {
    [ -e /proc/sys/fs/mqueue ] || skip "no POSIX message queues (CONFIG_POSIX_MQUEUE)"
    expect_eq "other makes a queue" ok "$(ctnctl exec other -- ctntest ipc mq-put /ctn-o secret)"
    oq=$(ls /dev/mqueue | grep -E '^ctn\.[0-9a-f]{16}\.ctn-o$')
    [ -n "$oq" ] || fail "no queue of other's: $(ls /dev/mqueue)"
    refused "open other's queue by the name it is filed under" EACCES ctntest host read /dev/mqueue/$oq
    refused "make one under other's prefix" EACCES ctntest host change create /dev/mqueue/${oq%ctn-o}planted
    refused "remove other's queue" EACCES ctntest host change unlink /dev/mqueue/$oq
    [ ! -e /dev/mqueue/${oq%ctn-o}planted ] || fail "a queue was planted under other's prefix"
    expect_eq "other's message is kept" text=secret "$(ctnctl exec other -- ctntest ipc mq-get /ctn-o)"
    ctnctl exec other -- ctntest ipc mq-unlink /ctn-o >/dev/null
}
t_mq_own() {
    [ -e /proc/sys/fs/mqueue ] || skip "no POSIX message queues (CONFIG_POSIX_MQUEUE)"
    expect_eq "it makes a queue of its own" ok "$($IN ctntest ipc mq-put /ctn-own jail-mq)"
    expect_eq "the host has no queue of that name" errno=ENOENT "$(ctntest ipc mq-get /ctn-own)"
    own=$(ls /dev/mqueue | grep -E '^ctn\.[0-9a-f]{16}\.ctn-own$')
    [ -n "$own" ] || fail "the host sees no prefixed queue: $(ls /dev/mqueue)"
    expect_match "it reads its own through /dev/mqueue" '^ok' "$($IN ctntest host read /dev/mqueue/$own)"
    expect_match "and stats it" '^ok mode=600' "$($IN ctntest host stat /dev/mqueue/$own)"
    expect_eq "and takes its message" text=jail-mq "$($IN ctntest ipc mq-get /ctn-own)"
    expect_eq "it removes its own" ok "$($IN ctntest ipc mq-unlink /ctn-own)"
    [ ! -e /dev/mqueue/$own ] || fail "its queue is still there"
}
t_keyring_user() {
    [ -e /proc/keys ] || skip "no keyrings (CONFIG_KEYS)"
    id=$(ctntest ipc key-add ctn-secret s3cret --keyring user | sed -n 's/^id=//p')
    [ -n "$id" ] || fail "the host's root adds a key to its user keyring"
    refused "find the host root's key in its user keyring (uid 0 is the host's)" ENOKEY ctntest ipc key-find ctn-secret --keyring user
    # The kernel answers from where its lookup of the keyring stops: not found, or refused.
    expect_match "add a key to it" '^errno=(EACCES|ENOKEY|EPERM)$' "$($IN ctntest ipc key-add planted x --keyring user)"
    expect_eq "the host's key is as it was" "id=$id text=s3cret" "$(ctntest ipc key-find ctn-secret --keyring user)"
    expect_eq "nothing was planted" errno=ENOKEY "$(ctntest ipc key-find planted --keyring user)"
}
# --- the 32-bit entry (int $0x80, which 64-bit programs reach too) and io_uring ---------
# refused80 WHAT ERRNO CALL [ARG...]: as refused, for `ctntest int80 CALL`; skipped where the
# kernel has no 32-bit entry (int $0x80 then faults: SIGSEGV).
refused80() {
    what=$1 errno=$2; shift 2
    ctntest int80 uname >/dev/null 2>&1 || skip "no 32-bit system call entry (IA32_EMULATION)"
    refused "$what through int \$0x80" "$errno" ctntest int80 "$@"
}
t_int80_chroot() { refused80 "double chroot" EPERM double-chroot --target /etc/passwd; }
t_int80_mount() {
    refused80 "mount" EPERM mount
    refused80 "umount (oldumount)" EPERM umount
    refused80 "pivot_root" EPERM pivot-root
}
t_int80_unshare() {
    refused80 "unshare(CLONE_NEWUTS)" EPERM unshare-uts
    refused80 "unshare(CLONE_NEWUSER)" EPERM unshare-user
}
t_unshare_user() { refused "unshare(CLONE_NEWUSER)" EPERM ctntest escape unshare-user; }
t_int80_setns() { refused80 "setns" EPERM setns; }
t_int80_modules() {
    refused80 "init_module" EPERM init-module
    refused80 "delete_module" EPERM delete-module
}
t_int80_reboot() { refused80 "reboot" EPERM reboot; }
t_int80_clock() {
    refused80 "settimeofday" EPERM settimeofday
    refused80 "stime" EPERM stime
    refused80 "adjtimex" EPERM adjtimex
}
t_int80_swapon() { refused80 "swapon" EPERM swapon; }
t_io_uring() {
    out=$(ctntest escape io-uring-setup)
    [ "$out" = ok ] || skip "no io_uring for the host either ($out)"
    refused "io_uring_setup" EPERM ctntest escape io-uring-setup
    refused80 "io_uring_setup" EPERM io-uring-setup
}
t_int80_ptrace() {
    refused80 "ptrace(PTRACE_SEIZE) of a host process" ESRCH ptrace-seize --pid $HOST
    expect_eq "the host process has no tracer" "TracerPid:	0" "$(grep TracerPid /proc/$HOST/status)"
}
t_int80_pidfd() { refused80 "pidfd_open of a host process" ESRCH pidfd-open --pid $HOST; }
t_int80_prlimit() {
    before=$(grep 'Max open files' /proc/$HOST/limits)
    refused80 "prlimit(host, RLIMIT_NOFILE, 0)" ESRCH prlimit-set --pid $HOST
    expect_eq "the host process's limit" "$before" "$(grep 'Max open files' /proc/$HOST/limits)"
}
t_int80_uname() {
    ctntest int80 uname >/dev/null 2>&1 || skip "no 32-bit system call entry (IA32_EMULATION)"
    name=$($IN hostname)
    [ "$name" != ctn-vm ] || fail "the container's name is the host's"
    for call in uname old-uname; do
        expect_eq "$call through int \$0x80 shows the container's name" "nodename=$name" "$($IN ctntest int80 $call)"
    done
    short=$(printf %s "$name" | cut -c1-8)
    expect_eq "oldolduname (8 bytes) shows the container's name" "nodename=$short" "$($IN ctntest int80 oldold-uname)"
    expect_eq "the host still sees its own" nodename=ctn-vm "$(ctntest int80 uname)"
}
t_int80_ifconf() {
    ctntest int80 uname >/dev/null 2>&1 || skip "no 32-bit system call entry (IA32_EMULATION)"
    expect_match "the host's own 32-bit SIOCGIFCONF lists its loopback" 'addr=127\.0\.0\.1' "$(ctntest int80 ifconf)"
    refused80 "SIOCGIFCONF in the 32-bit layout (not rewritten)" EOPNOTSUPP ifconf
}
t_int80_sethostname() {
    ctntest int80 uname >/dev/null 2>&1 || skip "no 32-bit system call entry (IA32_EMULATION)"
    before=$($IN hostname)
    expect_eq "sethostname through int \$0x80 names the container" ok "$($IN ctntest int80 sethostname --name named32)"
    expect_eq "the host's name is unchanged" ctn-vm "$(hostname)"
    expect_eq "the container's changed" named32 "$($IN hostname)"
    $IN hostname "$before" || fail "name the container back"
}
t_setown_own() { expect_match "F_SETOWN to itself works" '^ok owner=' "$($IN ctntest host setown 0)"; }

run_case "leave by attaching itself to another container: EPERM" t_switch
run_case "pull a host process in: EPERM" t_pull_host
run_case "destroy its own container: EPERM" t_destroy_own
run_case "create a container: EPERM" t_create
run_case "take another container's address: EPERM" t_identity
run_case "raise its own limits through /dev/ctn: EPERM" t_limits_own
run_case "reconfigure another container: EPERM" t_limits_other
run_case "signal another container through /dev/ctn: EPERM" t_kill_other
run_case "change the host's CPU reserve: EPERM" t_host_knob
run_case "ctnctl inside cannot destroy another container" t_ctnctl
run_case "sethostname names the container, not the host" t_hostname
run_case "unshare(CLONE_NEWNET): EPERM" t_unshare_net
run_case "clone3 with CLONE_NEWUTS: EPERM" t_clone3_uts
run_case "bind a host address: EADDRNOTAVAIL" t_bind_foreign
run_case "bind another container's address: EADDRNOTAVAIL" t_bind_other
run_case "reach another container's private loopback: EPERM" t_private_lo
run_case "kill a host process: EPERM" t_kill_host
run_case "kill(-1) does not reach the host" t_kill_all
run_case "ptrace a host process: ESRCH" t_ptrace
run_case "/proc/PID/environ of a host process: EPERM" t_proc_environ
run_case "/proc/PID/root of a host process: EPERM" t_proc_root
run_case "double chroot: EPERM" t_chroot
run_case "mount: EPERM" t_mount
run_case "pivot_root: EPERM" t_pivot
run_case "load a kernel module: EPERM" t_module
run_case "reboot: EPERM" t_reboot
run_case "set the clock: EPERM" t_clock
run_case "setrlimit above the allocation: EPERM" t_setrlimit
run_case "threads past the task limit: EAGAIN" t_threads
run_case "vfork and clone3 past the task limit: EAGAIN" t_vfork
run_case "mknod a character device: EPERM" t_mknod_chr
run_case "mknod a block device: EPERM" t_mknod_blk
run_case "raw IPv4 socket: EPERM" t_raw
run_case "raw IPv6 socket: EPERM" t_raw6
run_case "SO_PRIORITY above 6: EPERM" t_so_priority
run_case "SO_MARK: EPERM" t_so_mark
run_case "ifconfig lo:9 ADDR: EPERM, no alias on the host" t_ifalias
run_case "ifconfig lo mtu 1280: EPERM, MTU unchanged" t_ifmtu
run_case "SIOCSIFFLAGS: EPERM" t_ifflags
run_case "SIOCADDRT: EPERM" t_route
run_case "rtnetlink RTM_NEWADDR: EPERM, no address on the host" t_rtnl_addr
run_case "rtnetlink RTM_NEWLINK: EPERM, no link on the host" t_rtnl_link
run_case "klogctl(5) clear: EPERM, the log is kept" t_klog_clear
run_case "klogctl(8) console level: EPERM" t_klog_level
run_case "read /proc/kmsg: EACCES" t_proc_kmsg
run_case "perf_event_open system-wide: EACCES" t_perf_all
run_case "perf_event_open on a host process: EACCES" t_perf_host
run_case "bpf(BPF_MAP_CREATE): EPERM" t_bpf
run_case "iopl: EPERM" t_iopl
run_case "ioperm: EPERM" t_ioperm
run_case "open_by_handle_at (shocker): EPERM" t_shocker
run_case "root inside holds the container's set only" t_caps_held
run_case "capset of every capability: EPERM" t_capset
run_case "mmap below mmap_min_addr: EPERM" t_mmap_low
run_case "root inside keeps chown and ports below 1024" t_caps_own
run_case "write /proc/sys/kernel/core_pattern: EACCES, unchanged" t_core_pattern
run_case "write /proc/sys/kernel/hostname: EACCES, the host keeps its name" t_proc_hostname
run_case "write /proc/sys/kernel/modprobe: EACCES, unchanged" t_modprobe_path
run_case "write /proc/sys/net/ipv4/ip_forward: EACCES, unchanged" t_sysctl_net
run_case "read /proc/sys stays allowed" t_sysctl_read
run_case "write /sys/class/net/lo/mtu: EACCES, unchanged" t_sysfs_mtu
run_case "write a sysfs uevent file: EACCES" t_sysfs_uevent
run_case "write /dev/kmsg: EPERM, nothing injected" t_dev_kmsg
run_case "open /dev/ttyS0: EPERM" t_dev_console
run_case "open a device node the host left in reach: EPERM" t_dev_made
run_case "/dev/null and /dev/urandom open" t_dev_allowed
run_case "module autoloading by a member runs no modprobe" t_modautoload
run_case "write /proc/sysrq-trigger: EACCES, no SysRq" t_sysrq
run_case "write /proc/irq/N/smp_affinity: EACCES, unchanged" t_proc_irq
run_case "write /proc/bus/pci: EACCES, unchanged" t_proc_pci
run_case "its own /proc/PID/comm stays writable" t_proc_own
run_case "register a binfmt_misc interpreter: EACCES, none registered" t_binfmt_misc
run_case "write and read tracefs: EACCES, tracing_on unchanged" t_tracefs
run_case "chmod, chown /proc/sysrq-trigger: EPERM, unchanged" t_proc_modes
run_case "chmod a sysfs file: EPERM, unchanged" t_sysfs_modes
run_case "names and modes in the host's /dev (devtmpfs): EACCES, EPERM, unchanged" t_dev_names
run_case "mkdir, rmdir in tracefs: EACCES, no instance made or removed" t_tracefs_names
run_case "names and modes of its own files change" t_own_changes
run_case "read a sysfs file for root only (ACPI table, PCI registers): EACCES" t_sysfs_private
run_case "read a /proc entry for root only: EACCES" t_proc_private
run_case "open debugfs: EACCES" t_debugfs
run_case "write securityfs: EACCES, reads allowed" t_securityfs
run_case "bpf(BPF_OBJ_GET): EPERM" t_bpf_obj_get
run_case "TIOCSTI into the admin's terminal: EPERM, nothing typed" t_tiocsti
run_case "TIOCLINUX: EPERM" t_tioclinux
run_case "console keyboard ioctls: EPERM; TCGETS allowed" t_kd_ioctl
run_case "prlimit a host process's RLIMIT_NOFILE: ESRCH, unchanged" t_prlimit_set
run_case "prlimit (read) a host process: ESRCH" t_prlimit_get
run_case "setpriority(PRIO_PROCESS) on a host process: EPERM, nice unchanged" t_setprio_pid
run_case "setpriority(PRIO_PGRP) on a host group: EPERM, nice unchanged" t_setprio_pgrp
run_case "setpriority(PRIO_USER, root) leaves the host's processes" t_setprio_user
run_case "sched_setaffinity on a host process: EPERM, CPUs unchanged" t_affinity
run_case "sched_getaffinity on a host process: EPERM" t_getaffinity
run_case "sched_setscheduler on a host process: EPERM, policy unchanged" t_setscheduler
run_case "sched_getscheduler on a host process: EPERM" t_getscheduler
run_case "sched_setattr on a host process: EPERM" t_setattr
run_case "sched_getparam on a host process: EPERM" t_getparam
run_case "process_vm_readv of a host process: EPERM" t_vm_read
run_case "process_vm_writev of a host process: EPERM" t_vm_write
run_case "pidfd_open of a host process: ESRCH" t_pidfd
run_case "F_SETOWN + F_SETSIG SIGKILL to a host process: ESRCH, it lives" t_setown
run_case "F_SETOWN to a host process group: ESRCH" t_setown_pgrp
run_case "F_SETOWN_EX to a host process sets no owner, it lives" t_setown_ex
run_case "FIOSETOWN to a host process: ESRCH, it lives" t_fiosetown
run_case "F_SETOWN to itself works" t_setown_own
run_case "execve from a secondary thread stays in the container, with its set" t_thread_exec
run_case "shmget of the host's key: ENOENT" t_shm_key
run_case "shmat/shmctl of the host's segment by id: EINVAL, unchanged" t_shm_id
run_case "msgsnd to the host's queue by id: EINVAL" t_msg_id
run_case "semop on the host's semaphore by id: EINVAL" t_sem_id
run_case "connect to the host's abstract unix socket: ECONNREFUSED" t_abstract
run_case "POSIX message queues of the host by name (also through int \$0x80): ENOENT, kept" t_mq
run_case "the host's /dev/mqueue: read, list, watch, stat, remove, chmod, truncate, create: EACCES/EPERM" t_mq_fs
run_case "another container's queue by its filed name: EACCES, kept" t_mq_other
run_case "a queue of its own works, filed under its prefix" t_mq_own
run_case "the host root's user keyring: ENOKEY, nothing added, its key unchanged" t_keyring_user
run_case "double chroot through int \$0x80: EPERM" t_int80_chroot
run_case "mount, umount, pivot_root through int \$0x80: EPERM" t_int80_mount
run_case "unshare (UTS, user) through int \$0x80: EPERM" t_int80_unshare
run_case "unshare(CLONE_NEWUSER): EPERM" t_unshare_user
run_case "setns through int \$0x80: EPERM" t_int80_setns
run_case "init_module, delete_module through int \$0x80: EPERM" t_int80_modules
run_case "reboot through int \$0x80: EPERM" t_int80_reboot
run_case "settimeofday, stime, adjtimex through int \$0x80: EPERM" t_int80_clock
run_case "swapon through int \$0x80: EPERM" t_int80_swapon
run_case "io_uring_setup (both entries): EPERM" t_io_uring
run_case "/dev/mem and /dev/port: EPERM" t_dev_mem
run_case "/dev/net/tun: EPERM" t_dev_tun
run_case "/dev/loop-control and loop devices: EPERM" t_dev_loop
run_case "nf_tables over netlink: EPERM" t_nft
run_case "cgroupfs: cgroup.procs, mkdir, limits, rmdir: EACCES" t_cgroupfs
run_case "leases and flock on a kernel interface's file: EACCES" t_lease
run_case "a host user's pty (/dev/pts/N): EPERM; its own opens" t_host_pty
run_case "ptrace a host process through int \$0x80: ESRCH, no tracer" t_int80_ptrace
run_case "pidfd_open of a host process through int \$0x80: ESRCH" t_int80_pidfd
run_case "prlimit a host process through int \$0x80: ESRCH, unchanged" t_int80_prlimit
run_case "uname through int \$0x80 (all three) shows the container's name" t_int80_uname
run_case "sethostname through int \$0x80 names the container, not the host" t_int80_sethostname
run_case "SIOCGIFCONF through int \$0x80: EOPNOTSUPP, no host address shown" t_int80_ifconf
t_cleanup() {
    kill $HOST $GROUP; wait $HOST $GROUP 2>/dev/null
    ctntest net connect 127.0.31.2 7000 >/dev/null # ends the service
    wait
    for id in $HOST_SHM; do ctntest ipc shm-ctl $id rmid >/dev/null || fail "remove the host's segment"; done
    for c in jail other full; do ctnctl destroy --force $c >/dev/null || fail "destroy $c"; done
    rmmod ctn || fail "rmmod"
    if [ -n "$CTN_ESCAPE_ROOT" ]; then
        rm -f /etc/ctn/containers/jail.toml /tmp/jail.toml
        umount $BINFMT
        for d in tmp sys dev tests etc lib64 lib usr sbin bin; do
            ! mountpoint -q $JAIL_ROOT/$d || umount -l $JAIL_ROOT/$d || fail "umount $d"
        done
        umount -l /srv || fail "umount /srv"
    fi
}
run_case "cleanup" t_cleanup
ktap_finish
