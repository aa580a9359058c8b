#!/bin/sh
# Resource limits checked when the system call arrives: tasks (EAGAIN, exact) and address
# space (ENOMEM), their accounting, refusals in the history, and the ioctl's checks.
. "$(dirname "$0")/lib.sh"
ktap_plan 25
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }

# usage NAME: "ok tasks=usage/peak/limit/failcnt memory=usage/peak/limit/failcnt"
usage() { ctntest call get-usage --name "$1"; }
field() { echo "$1" | sed -n "s/.* $2=\([0-9]*\)\/\([0-9]*\)\/\([0-9]*\)\/\([0-9]*\).*/\\$3/p"; }

t_tasks_exact() {
    ctnctl create lim --max-tasks 5 >/dev/null || fail "create --max-tasks"
    # ctntest itself is the container's first task: 4 more fit.
    expect_eq "processes" "processes=4 threads=0 errno=EAGAIN" "$(ctnctl exec lim -- ctntest res tasks --processes 10)"
    expect_eq "threads count too" "processes=0 threads=4 errno=EAGAIN" "$(ctnctl exec lim -- ctntest res tasks --threads 10)"
    expect_eq "both" "processes=2 threads=2 errno=EAGAIN" "$(ctnctl exec lim -- ctntest res tasks --processes 2 --threads 5)"
    expect_eq "nothing left counted" 0 "$(field "$(usage lim)" tasks 1)"
}
t_tasks_concurrent() {
    ctnctl set lim --max-tasks 30 >/dev/null
    for i in 1 2 3 4; do ctnctl exec lim -- ctntest res tasks --processes 20 --threads 5 > /tmp/lim.$i & done
    wait
    u=$(usage lim)
    peak=$(field "$u" tasks 2)
    [ "$peak" -le 30 ] || fail "peak $peak above the limit 30 ($(cat /tmp/lim.*))"
    [ "$(field "$u" tasks 4)" -gt 0 ] || fail "no refusal counted: $u"
    expect_eq "all given back" 0 "$(field "$u" tasks 1)"
}
t_lower_below_usage() {
    ctnctl create low >/dev/null
    ctnctl exec low -- sh -c 'sleep 30 & sleep 30 & sleep 30 & wait' &
    wait_for "low's shell and its three sleeps" tasks_in low 4
    ctnctl set low --max-tasks 2 >/dev/null || fail "set below usage"
    expect_eq "running tasks stay" 4 "$(field "$(usage low)" tasks 1)"
    out=$(ctnctl exec low -- true 2>&1); rc=$?
    expect_eq "joining it is refused: exit 1" 1 $rc
    expect_match "and says why" 'task limit' "$out"
    ctnctl set low --max-tasks 5 >/dev/null
    expect_eq "at the limit, a member's fork is refused" "processes=0 threads=0 errno=EAGAIN" "$(ctnctl exec low -- ctntest res tasks --processes 1)"
    ctnctl destroy --force --grace 0 low >/dev/null; wait
}
t_refusals_recorded() {
    ctnctl create tight --max-tasks 1 --history 1000 >/dev/null
    ctnctl exec tight -- ctntest res tasks --processes 1 --retries 499 >/dev/null
    u=$(usage tight)
    expect_eq "failcnt counts every refusal" 500 "$(field "$u" tasks 4)"
    events=$(ctnctl events tight | grep -c refused)
    [ "$events" -ge 1 ] || fail "no refusal in the history"
    [ "$events" -lt 100 ] || fail "refusal events not rate-limited: $events"
    expect_match "stats shows the table" 'tight +tasks +0 +1 +1 +500' "$(ctnctl stats tight)"
}
t_memory_each_growth() {
    ctnctl create mem --max-memory 64M >/dev/null || fail "create --max-memory"
    expect_eq "mmap beyond" errno=ENOMEM "$(ctnctl exec mem -- ctntest res grow mmap 100M)"
    expect_eq "brk beyond" errno=ENOMEM "$(ctnctl exec mem -- ctntest res grow brk 100M)"
    expect_eq "mremap beyond" errno=ENOMEM "$(ctnctl exec mem -- ctntest res grow mremap 100M)"
    expect_eq "within" ok "$(ctnctl exec mem -- ctntest res grow mmap 16M)"
    # A fork copies the address space: 40M and its copy do not fit in 64M (ENOMEM, the
    # parent lives on); 16M and its copy do.
    expect_eq "a fork past the limit: ENOMEM" "ok fork=errno=ENOMEM" "$(ctnctl exec mem -- ctntest res grow mmap 40M --fork | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "a fork within it" "ok fork=ok" "$(ctnctl exec mem -- ctntest res grow mmap 16M --fork | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "threads share the address space: not charged again" "processes=0 threads=4 errno=none" "$(ctnctl exec mem -- ctntest res tasks --threads 4)"
    expect_eq "the host is not limited" ok "$(ctntest res grow mmap 100M)"
}
t_memory_steps() {
    out=$(ctnctl exec mem -- ctntest res grow mmap 100M --step 1M); rc=$?
    expect_eq "the process is not killed" 0 $rc
    mapped=$(echo "$out" | sed -n 's/^mapped=\([0-9]*\) errno=ENOMEM$/\1/p')
    [ -n "$mapped" ] || fail "no ENOMEM: $out"
    # What the process had mapped before (its binary, stack) plus the steps is the limit.
    [ "$mapped" -ge $((56 << 20)) ] && [ "$mapped" -le $((64 << 20)) ] || fail "stopped after $mapped bytes"
}
t_memory_container_wide() {
    rm -f /tmp/mem.first
    ctnctl exec mem -- ctntest res grow mmap 40M --hold 4 > /tmp/mem.first &
    wait_for "the first process's mapping" has_line /tmp/mem.first '^(ok|errno=)'
    expect_eq "a second process does not fit beside the first" errno=ENOMEM "$(ctnctl exec mem -- ctntest res grow mmap 40M)"
    u=$(usage mem)
    used=$(field "$u" memory 1)
    [ "$used" -ge $((40 << 20)) ] && [ "$used" -le $((64 << 20)) ] || fail "usage $used not between 40M and 64M"
    wait
    expect_eq "the first one had it" ok "$(cat /tmp/mem.first)"
    expect_eq "after it exits, it fits" ok "$(ctnctl exec mem -- ctntest res grow mmap 40M)"
    expect_eq "nothing charged with no process" 0 "$(field "$(usage mem)" memory 1)"
    # A process that shares an address space (CLONE_VM) keeps it charged after its
    # creator exits: it holds the memory.
    out=$(ctnctl exec mem -- ctntest res grow mmap 40M --vm-holder)
    holder=$(echo "$out" | sed -n 's/^holder=\([0-9]*\)$/\1/p')
    [ -n "$holder" ] || fail "no holder: $out"
    expect_eq "an address space a CLONE_VM process holds still counts" errno=ENOMEM "$(ctnctl exec mem -- ctntest res grow mmap 40M)"
    kill -9 "$holder"
    wait_for "the holder to exit" tasks_in mem 0
    expect_eq "once it is gone, it fits" ok "$(ctnctl exec mem -- ctntest res grow mmap 40M)"
}
t_memory_given_back() {
    # The first process maps and unmaps 40M, then waits without growing again: the second
    # still fits (the refusal path recounts every member process).
    rm -f /tmp/mem.released
    ctnctl exec mem -- sh -c 'ctntest res grow mmap 40M --release --hold 3' > /tmp/mem.released &
    wait_for "the first process to map and unmap" has_line /tmp/mem.released '^(ok|errno=)'
    expect_eq "memory given back by another process counts" ok "$(ctnctl exec mem -- ctntest res grow mmap 40M)"
    wait
}
t_memory_fork_race() {
    # A thread maps what the limit leaves beside its process and one copy, and unmaps it,
    # over and over, while the main thread forks: a child that took the mapping along
    # would hold it a second time, past the limit. The copy is charged when the kernel has
    # made it (its exact size), where the fork can still fail: none gets through.
    ctnctl create fr --max-memory 64M >/dev/null || fail "create --max-memory"
    out=$(ctnctl exec fr -- ctntest res fork-race 64M 400)
    expect_match "no child holds the mapping a second time" '^copied=0 forks=[1-9]' "$out"
    expect_match "forks that would copy past the limit get ENOMEM" ' refused=[1-9]' "$out"
    expect_match "the other thread mapped meanwhile" ' mapped=[1-9]' "$out"
    peak=$(field "$(usage fr)" memory 2)
    [ "$peak" -le $((64 << 20)) ] || fail "peak $peak above the limit ($out)"
    expect_eq "nothing left charged" 0 "$(field "$(usage fr)" memory 1)"
    ctnctl destroy fr >/dev/null
}
t_memory_reported() {
    out=$(ctnctl stats mem)
    expect_match "stats" 'mem +memory +[0-9.]+M +[0-9.]+M +64\.0M +[1-9]' "$out"
    expect_match "stats --json" '"limit": 67108864' "$(ctnctl --json stats mem)"
}
t_ioctl_refusals() {
    expect_call() { expect_eq "$1" "$2" "$(shift 2; ctntest call "$@")"; }
    expect_call "unknown flag" errno=EINVAL set-limits --name mem --flags 128
    expect_call "tasks beyond 32 bits" errno=EINVAL set-limits --name mem --flags 1 --tasks 0x100000000
    expect_call "files beyond 32 bits" errno=EINVAL set-limits --name mem --flags 4 --files 0x100000000
    expect_call "reserved" errno=EINVAL set-limits --name mem --flags 1 --reserved
    expect_call "wrong size" errno=EINVAL set-limits --name mem --flags 1 --size 8
    expect_call "unknown container" errno=ENOENT set-limits --name nosuch --flags 1 --tasks 3
    expect_call "without CAP_SYS_ADMIN" errno=EPERM set-limits --name mem --flags 1 --tasks 3 --as-uid 1000
    expect_eq "from inside" errno=EPERM "$(ctnctl exec mem -- ctntest call set-limits --name mem --flags 1 --tasks 1000)"
    expect_call "usage with flags" errno=EINVAL get-usage --name mem --flags 1
    expect_match "usage" '^ok tasks=0/[0-9]+/0/0 memory=0/[0-9]+/67108864/[1-9]+ files=0/[0-9]+/0/0 disk=[0-9]+/[0-9]+/0/0 cpu_time=[0-9]+/[0-9]+/0/0 cpu_share=[0-9]+/[0-9]+/0/0 net_rate=[0-9]+/[0-9]+/0/0 net_received=[0-9]+$' "$(usage mem)"
}
t_admission() {
    # Memory limits are reservations and must fit in physical memory together (sizes in
    # shares of it, so that the test holds for any VM size).
    mem=$(( $(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo) / 1024 ))
    a=$((mem * 7 / 10)) b=$((mem / 2))
    ctnctl create big1 --max-memory ${a}M >/dev/null || fail "${a}M of ${mem}M"
    out=$(ctnctl create big2 --max-memory ${b}M 2>&1); rc=$?
    expect_eq "${b}M more does not fit: exit 1" 1 $rc
    expect_match "says what does not fit" "memory does not fit: $b MiB asked, [0-9]+ MiB already reserved by [0-9]+ other container.*MiB of physical memory" "$out"
    ! ctnctl list | grep -q big2 || fail "a container was left behind"
    out=$(ctnctl create big2 --max-memory ${b}M --dry-run 2>&1); rc=$?
    expect_eq "--dry-run reports the same: exit 1" 1 $rc
    expect_match "--dry-run message" 'memory does not fit' "$out"
    expect_match "--dry-run that fits" 'would fit: nothing created' "$(ctnctl create big2 --max-memory $((mem / 5))M --dry-run)"
    ! ctnctl list | grep -q big2 || fail "--dry-run created it"
    ctnctl set big1 --max-memory $((mem * 2))M >/dev/null 2>&1; expect_eq "raising beyond the host: exit 1" 1 $?
    ctnctl set big1 --max-memory $((mem * 8 / 10))M >/dev/null || fail "raising within the host (its own reservation is not counted twice)"
    expect_eq "ioctl: ENOSPC" errno=ENOSPC "$(ctntest call set-limits --flags 0x80000002 --memory 0x10000000000)"
    expect_eq "ioctl: a dry run needs no container" ok "$(ctntest call set-limits --flags 0x80000002 --memory 0x1000000)"
    ctnctl destroy big1 >/dev/null
}
t_cli_refusals() {
    for bad in "--max-tasks 0" "--max-tasks lots" "--max-memory 0" "--max-memory 12Q" "--max-files -1" "--max-disk 0" "--max-cpu-time 0s" "--max-cpu-time soon"; do
        ctnctl set mem $bad >/dev/null 2>&1; expect_eq "set $bad: exit 2" 2 $?
    done
    ctnctl set mem --max-memory none >/dev/null || fail "--max-memory none"
    expect_eq "no limit any more" ok "$(ctnctl exec mem -- ctntest res grow mmap 100M)"
}
t_files() {
    ctnctl create fl --max-files 20 >/dev/null || fail "create --max-files"
    rm -f /tmp/fl.first
    ctnctl exec fl -- ctntest res open 50 --hold 3 > /tmp/fl.first &
    wait_for "the first process's descriptors" has_line /tmp/fl.first '^opened='
    expect_match "one process stops at the limit with EMFILE" '^opened=1[0-9] errno=EMFILE$' "$(cat /tmp/fl.first)"
    u=$(usage fl)
    expect_eq "usage is the limit" 20 "$(field "$u" files 1)"
    out=$(ctnctl exec fl -- true 2>&1); rc=$?
    expect_eq "a process cannot join with its descriptors: exit 1" 1 $rc
    expect_match "and says why" 'open-files limit' "$out"
    wait
    expect_match "after the first exits, it can" '^opened=5 errno=none$' "$(ctnctl exec fl -- ctntest res open 5)"
    expect_eq "ulimit -n shows the limit" 20 "$(ctnctl exec fl -- sh -c 'ulimit -n')"
    expect_match "stats" 'fl +files +[0-9]+ +20 +20 +[1-9]' "$(ctnctl stats fl)"
    # Threads of one process opening at once: each open is counted once, and all are given
    # back (the per-process charge is swapped, not stored over another thread's).
    expect_eq "concurrent opens: none refused" refused=0 "$(ctnctl exec fl -- ctntest res churn 4 3000)"
    expect_eq "and nothing left counted" 0 "$(field "$(usage fl)" files 1)"
    ctnctl set fl --max-files none >/dev/null
    expect_eq "no limit" "opened=50 errno=none" "$(ctnctl exec fl -- ctntest res open 50)"
    ctnctl destroy fl >/dev/null
}
t_disk() {
    ctnctl create dq --max-disk 1M >/dev/null || fail "create --max-disk"
    expect_eq "within the quota" "written=524288 errno=none" "$(ctnctl exec dq -- ctntest res write /tmp/dq.1 512K)"
    expect_eq "beyond it: EDQUOT at the write that crosses it" "written=524288 errno=EDQUOT" "$(ctnctl exec dq -- ctntest res write /tmp/dq.2 1M)"
    expect_eq "devices are not counted" "written=1048576 errno=none" "$(ctnctl exec dq -- ctntest res write /dev/null 1M)"
    ctnctl exec dq -- sh -c 'ctntest res write /dev/stdout 256K | cat >/dev/null' || fail "a write to a pipe"
    u=$(usage dq)
    expect_eq "usage is what was written to files (not to the device or the pipe)" 1048576 "$(field "$u" disk 1)"
    # The kernel's argument check comes first: a count beyond the buffer is its EFAULT.
    expect_eq "a count beyond any buffer: the kernel's EFAULT, not a quota refusal" errno=EFAULT "$(ctnctl exec dq -- ctntest res write-count /tmp/dq.3 18446744073709551615)"
    expect_eq "and counts nothing" 1048576 "$(field "$(usage dq)" disk 1)"
    [ "$(field "$u" disk 4)" -ge 1 ] || fail "no refusal counted: $u"
    expect_match "stats" 'dq +disk +1\.0M +1\.0M +1\.0M +[1-9]' "$(ctnctl stats dq)"
    expect_eq "the host is not limited" "written=2097152 errno=none" "$(ctntest res write /tmp/dq.host 2M)"
    rm -f /tmp/dq.*
    ctnctl destroy dq >/dev/null
}
t_disk_every_way() {
    # Every way of giving a file bytes or space counts (1M quota): four of 128K fit...
    ctnctl create dw --max-disk 1M >/dev/null || fail "create --max-disk"
    ctntest res write /tmp/dw.src 2M >/dev/null
    for how in writev pwritev2 fallocate truncate; do
        expect_eq "$how within the quota" "filled=131072 errno=none" "$(ctnctl exec dw -- ctntest res fill $how /tmp/dw.$how 128K)"
    done
    expect_eq "usage: exactly what they put there" 524288 "$(field "$(usage dw)" disk 1)"
    # ...each of these, asking for 2M in one piece, is refused whole...
    for how in writev fallocate truncate aio memfd shm; do
        expect_eq "$how beyond it: EDQUOT" "filled=0 errno=EDQUOT" "$(ctnctl exec dw -- ctntest res fill $how /tmp/dw.big 2M)"
    done
    expect_eq "refusals count nothing" 524288 "$(field "$(usage dw)" disk 1)"
    # ...and a copy through the kernel (64K at a time) writes what fits, counted as written.
    expect_eq "sendfile of 1M: the half that fits" "filled=524288 errno=none" "$(ctnctl exec dw -- ctntest res fill sendfile /tmp/dw.sendfile 1M --from /tmp/dw.src)"
    expect_eq "usage is the quota" 1048576 "$(field "$(usage dw)" disk 1)"
    for how in copy splice; do
        expect_eq "$how with nothing left: EDQUOT" "filled=0 errno=EDQUOT" "$(ctnctl exec dw -- ctntest res fill $how /tmp/dw.$how 1M --from /tmp/dw.src)"
    done
    expect_eq "the host is not limited (fallocate)" "filled=2097152 errno=none" "$(ctntest res fill fallocate /tmp/dw.host 2M)"
    rm -f /tmp/dw.*
    ctnctl destroy dw >/dev/null
}
t_disk_truncate_race() {
    # 1000 files of 1M made by the host, a container with no quota left: in each, one thread
    # truncates it to 0 while another truncates it back to 1M. Growing it again needs quota
    # there is none of: however the two interleave, no file has its 1M again (the growth is
    # read under the lock the kernel truncates under, not before it).
    for i in $(seq 0 999); do dd if=/dev/null of=/tmp/dt.$i bs=1 seek=1048576 2>/dev/null; done
    ctnctl create dt --max-disk 4K >/dev/null || fail "create --max-disk"
    out=$(ctnctl exec dt -- ctntest res truncate-race /tmp/dt 1M 1000)
    expect_match "racing truncates never regrow a file" '^regrown=0 ' "$out"
    expect_eq "nothing counted" 0 "$(field "$(usage dt)" disk 1)"
    rm -f /tmp/dt.*
    ctnctl destroy dt >/dev/null
}
t_disk_counted_once() {
    # A request larger than its data costs its data only (splice of 1G from a 64K pipe).
    ctnctl create dw1 --max-disk 1M >/dev/null || fail "create --max-disk"
    ctntest res write /tmp/dw1.src 64K >/dev/null
    expect_eq "splice asking 1G, 64K there" "filled=65536 errno=none" "$(ctnctl exec dw1 -- ctntest res fill splice /tmp/dw1.out 1G --from /tmp/dw1.src)"
    expect_eq "counted: 64K" 65536 "$(field "$(usage dw1)" disk 1)"
    rm -f /tmp/dw1.*
    ctnctl destroy dw1 >/dev/null
}
t_disk_core() {
    # A crash's core file is a write like any other: the quota cuts it short.
    rm -rf /tmp/dwh /tmp/dw2; mkdir -p /tmp/dwh /tmp/dw2
    (cd /tmp/dwh && exec ctntest res grow mmap 2M --crash) >/dev/null 2>&1
    [ -n "$(ls /tmp/dwh)" ] || skip "the host makes no core file here (core_pattern $(cat /proc/sys/kernel/core_pattern))"
    ctnctl create dw2 --max-disk 1M >/dev/null || fail "create --max-disk"
    ctnctl exec dw2 -- sh -c 'cd /tmp/dw2 && exec ctntest res grow mmap 2M --crash' >/dev/null 2>&1
    [ -n "$(ls /tmp/dw2)" ] || fail "a member's crash made no core file"
    used=$(field "$(usage dw2)" disk 1)
    [ "$used" -gt 0 ] && [ "$used" -le 1048576 ] || fail "the core dump counted $used bytes (quota 1M; host's: $(ls -l /tmp/dwh))"
    # (Its size may be larger: a dump skips zero pages, leaving holes.)
    held=$(( $(stat -c '%b * %B' /tmp/dw2/*) ))
    [ "$held" -le 1048576 ] || fail "the core file holds $held bytes, beyond the quota"
    rm -rf /tmp/dwh /tmp/dw2
    ctnctl destroy dw2 >/dev/null
}
t_cpu_time() {
    ctnctl create cpu --max-cpu-time 2s >/dev/null || fail "create --max-cpu-time"
    out=$(ctnctl exec cpu -- sh -c 'trap "echo got-sigxcpu" XCPU; while :; do :; done'); rc=$?
    expect_match "SIGXCPU first" got-sigxcpu "$out"
    expect_eq "then SIGKILL" 137 $rc
    u=$(ctntest call get-usage --name cpu)
    used=$(echo "$u" | sed -n 's/.* cpu_time=\([0-9]*\)\/.*/\1/p')
    [ "${used:-0}" -ge 2000000000 ] || fail "cpu time $used below the limit: $u"
    expect_match "signals counted" 'cpu_time=[0-9]+/[0-9]+/2000000000/2 ' "$u"
    expect_match "recorded" 'signalled' "$(ctnctl events cpu)"
    expect_match "stats" 'cpu +cpu-time +[0-9.]+s +[0-9.]+s +2\.00s +2' "$(ctnctl stats cpu)"
    ctnctl destroy cpu >/dev/null
}
t_accounting() {
    # With an address, each send with a destination is diverted (the address rules apply)
    # and then passed on to the kernel's send.
    ctnctl create acct --ip 127.0.30.1 >/dev/null
    rm -f /tmp/acct.serve
    ctntest net serve 9100 --addr 127.0.30.1 --udp --count 5 --reply pong > /tmp/acct.serve &
    wait_for "the UDP service" has_line /tmp/acct.serve listening
    # Five datagrams of 4 bytes: counted once each, not again when passed on.
    ctnctl exec acct -- sh -c 'ctntest res open 10 >/dev/null; for i in 1 2 3 4 5; do ctntest net connect --udp 127.0.30.1 9100 >/dev/null; done'
    wait
    out=$(ctnctl --json stats acct)
    expect_match "bytes sent counted exactly once" '"net_sent": 20,' "$out"
    opened=$(echo "$out" | sed -n 's/.*"files_opened": \([0-9]*\).*/\1/p')
    [ "${opened:-0}" -ge 11 ] || fail "files opened: $opened"
    expect_match "table rows" 'acct +files-opened +[0-9]+' "$(ctnctl stats acct)"
    ctnctl destroy acct >/dev/null
}
t_view_memory() {
    ctnctl create view --max-memory 64M --max-tasks 10 >/dev/null || fail "create view"
    expect_match "free(1) shows the allocation" '^Mem: +65536 +[0-9]+ +[0-9]+ +0 +0 ' "$(ctnctl exec view -- free)"
    expect_match "/proc/meminfo too" '^MemTotal: +65536 kB$' "$(ctnctl exec view -- head -n 1 /proc/meminfo)"
    rm -f /tmp/view.grow
    ctnctl exec view -- ctntest res grow mmap 20M --hold 3 > /tmp/view.grow &
    wait_for "the 20M mapping" has_line /tmp/view.grow '^ok'
    used=$(ctnctl exec view -- free | awk '/^Mem:/ { print $3 }')
    [ "$used" -ge 20480 ] && [ "$used" -le 40000 ] || fail "used $used KiB with a 20M mapping held"
    wait
    host=$(head -n 1 /proc/meminfo)
    ! echo "$host" | grep -q ' 65536 kB' || fail "the host sees the container's meminfo: $host"
}
t_view_rlimits() {
    expect_eq "RLIMIT_AS shows the memory limit" "cur=67108864 max=67108864" "$(ctnctl exec view -- ctntest res rlimit as)"
    expect_eq "RLIMIT_NPROC the task limit" "cur=10 max=10" "$(ctnctl exec view -- ctntest res rlimit nproc)"
    expect_eq "ulimit -v (busybox, getrlimit)" 65536 "$(ctnctl exec view -- sh -c 'ulimit -v')"
    expect_eq "the host's are its own" "cur=inf max=inf" "$(ctntest res rlimit as)"
    expect_eq "raising above the allocation: EPERM" errno=EPERM "$(ctnctl exec view -- ctntest res rlimit as --set 1000000000:1000000000)"
    expect_eq "soft above hard: EINVAL, the argument error first (as the kernel orders it)" errno=EINVAL "$(ctnctl exec view -- ctntest res rlimit as --set 2000:1000)"
    expect_eq "keeping max at infinity is raising it" errno=EPERM "$(ctnctl exec view -- ctntest res rlimit as --set 1000:inf)"
    expect_eq "lowering is fine" "cur=30000000 max=67108864" "$(ctnctl exec view -- sh -c 'ctntest res rlimit as --pid $$ --set 30000000:67108864 >/dev/null; ctntest res rlimit as')"
    ctnctl exec view -- sleep 3 &
    wait_for "a process in view" tasks_in view 1
    pid=$(ctnctl --json ps view | sed -n 's/.*"pid": \([0-9]*\).*/\1/p' | head -n 1)
    expect_eq "prlimit from the host sees the real value" "cur=inf max=inf" "$(ctntest res rlimit as --pid "$pid")"
    wait
    ctnctl destroy view >/dev/null
}
t_view_compat() {
    out=$(ctntest int80 sysinfo)
    expect_match "the host's own view through int \$0x80" '^totalram=[1-9]' "$out"
    [ "$out" != "totalram=67108864" ] || fail "the host sees a container's memory"
    ctnctl create view32 --max-memory 64M >/dev/null || fail "create view32"
    expect_eq "32-bit sysinfo shows the allocation" totalram=67108864 "$(ctnctl exec view32 -- ctntest int80 sysinfo)"
    expect_eq "32-bit getrlimit(RLIMIT_AS) the memory limit" "cur=67108864 max=67108864" "$(ctnctl exec view32 -- ctntest int80 getrlimit-as)"
    expect_eq "the older 32-bit getrlimit too" "cur=67108864 max=67108864" "$(ctnctl exec view32 -- ctntest int80 old-getrlimit-as)"
    expect_eq "32-bit setrlimit above the allocation: EPERM" errno=EPERM "$(ctnctl exec view32 -- ctntest int80 setrlimit-as --target 1000000000:1000000000)"
    expect_eq "32-bit setrlimit soft above hard: EINVAL" errno=EINVAL "$(ctnctl exec view32 -- ctntest int80 setrlimit-as --target 2000:1000)"
    expect_eq "the host's limit through int \$0x80" "cur=inf max=inf" "$(ctntest int80 getrlimit-as)"
    ctnctl destroy view32 >/dev/null
}
t_cleanup() {
    for c in lim tight mem; do ctnctl destroy --force --grace 0 $c >/dev/null || fail "destroy $c"; done
    ctn_unload || fail "rmmod"
}

run_case "task limit: exactly N tasks, EAGAIN beyond (fork and threads)" t_tasks_exact
run_case "task limit holds under concurrent creation" t_tasks_concurrent
run_case "lowering a limit below usage kills nothing, refuses new tasks" t_lower_below_usage
run_case "refusals: every one counted, rate-limited in the history" t_refusals_recorded
run_case "memory limit: mmap, brk, mremap beyond it get ENOMEM" t_memory_each_growth
run_case "memory in 1 MiB steps: ENOMEM at the limit, not killed" t_memory_steps
run_case "memory limit is container-wide and freed at exit" t_memory_container_wide
run_case "memory unmapped by another member counts before a refusal" t_memory_given_back
run_case "memory: a fork racing another thread's mmap cannot copy past the limit" t_memory_fork_race
run_case "memory usage, peak, limit, refusals in stats" t_memory_reported
run_case "CTN_IOC_SET_LIMITS/GET_USAGE refuse malformed requests" t_ioctl_refusals
run_case "admission: memory reservations fit in physical memory; --dry-run" t_admission
run_case "ctnctl refuses bad limits with exit 2" t_cli_refusals
run_case "open files: container-wide, EMFILE beyond" t_files
run_case "disk: bytes written to files, EDQUOT beyond" t_disk
run_case "disk: truncates racing each other cannot regrow a file past the quota" t_disk_truncate_race
run_case "disk: writev, pwritev2, fallocate, truncate, copy_file_range, sendfile, splice, AIO, memfd, SysV shm all count" t_disk_every_way
run_case "disk: a request costs the bytes it writes" t_disk_counted_once
run_case "disk: a member's core dump counts, cut at the quota" t_disk_core
run_case "CPU time: SIGXCPU beyond the limit, then SIGKILL" t_cpu_time
run_case "accounting: bytes sent and descriptors opened" t_accounting
run_case "free and /proc/meminfo inside show the allocation" t_view_memory
run_case "getrlimit/prlimit show the limits, setrlimit cannot raise above them" t_view_rlimits
run_case "the 32-bit sysinfo, getrlimit, old getrlimit and setrlimit show and keep the allocation" t_view_compat
run_case "cleanup and unload" t_cleanup
ktap_finish
