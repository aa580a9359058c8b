#!/bin/sh
# Container files and lifecycle: a skeleton root shared by two containers (an overlay each,
# writes private), specs (apply, show --spec, bad specs named by key), the execution file
# (start.d in order), start/stop/status and what stop had to do, confinement (every escape
# call EPERM, the double-chroot escape fails, host files out of reach), export and import.
. "$(dirname "$0")/lib.sh"
ktap_plan 15
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }
mkdir -p /srv /var/lib/ctn /etc/ctn/containers
mount -t tmpfs tmpfs /srv && mount -t tmpfs tmpfs /var/lib/ctn || { echo "# cannot mount tmpfs"; exit 1; }
SKEL=/srv/skel

# spec NAME IP [EXTRA]: a spec of a web container on the skeleton.
spec() {
    cat > "/tmp/$1.toml" <<EOF
name = "$1"
hostname = "$1.example"
ip = "$2"
$3
[root]
skeleton = "$SKEL"
[stop]
grace = "1s"
EOF
}
# get ADDR PATH: the body of an HTTP GET; status ADDR PATH: its status line (busybox nc; the
# guest's busybox wget prints nothing).
http() { printf 'GET %s HTTP/1.0\r\n\r\n' "$2" | nc -w 5 "$1" 80 | tr -d '\r'; }
get() { http "$1" "$2" | sed '1,/^$/d'; }
status() { http "$1" "$2" | head -n 1; }

t_skeleton() {
    ctnctl rootfs skeleton $SKEL --program /usr/bin/ctntest >/dev/null || fail "rootfs skeleton"
    for f in bin/busybox usr/bin/ctntest etc/ctn/start; do [ -x "$SKEL/$f" ] || fail "no $f"; done
    [ -L $SKEL/bin/sh ] && [ -c $SKEL/dev/null ] && [ -d $SKEL/etc/ctn/start.d ] || fail "skeleton incomplete"
    step() { printf '#!/bin/sh\necho %s >> /var/log/start.log\n%s\n' "$1" "$2" > "$SKEL/etc/ctn/start.d/$1"; chmod +x "$SKEL/etc/ctn/start.d/$1"; }
    # Written out of order: the controller runs them by name.
    step 30-done ''
    step 10-www 'echo "hello from $(hostname)" > /www/index.html'
    step 20-httpd 'httpd -p 80 -h /www'
}
t_apply() {
    spec web1 127.0.10.1 && spec web2 127.0.20.1
    expect_match "apply creates" '^created container web1 from /tmp/web1.toml' "$(ctnctl apply /tmp/web1.toml)"
    ctnctl apply /tmp/web2.toml >/dev/null || fail "apply web2"
    expect_match "apply again updates" '^updated container web1' "$(ctnctl apply /tmp/web1.toml)"
    out=$(ctnctl show --spec web1)
    expect_match "show --spec: the skeleton" "skeleton = \"$SKEL\"" "$out"
    expect_match "show --spec: the identity it has" 'hostname = "web1.example"' "$out"
    expect_match "kept in the spec directory" 'ip = "127.0.10.1"' "$(cat /etc/ctn/containers/web1.toml)"
    expect_eq "stopped before start" "web1: stopped" "$(ctnctl status web1)"
}
t_two_servers() {
    ctnctl start web1 >/dev/null || fail "start web1"
    ctnctl start web2 >/dev/null || fail "start web2"
    wait_for "both web servers to listen" listening 80 2
    expect_eq "web1 serves its own page on port 80" "hello from web1.example" "$(get 127.0.10.1 /)"
    expect_eq "web2 too, on the same port" "hello from web2.example" "$(get 127.0.20.1 /)"
    expect_match "status" '^web1: running, [1-9][0-9]* processes' "$(ctnctl status web1)"
    expect_match "start again is refused" 'is running' "$(ctnctl start web1 2>&1)"
    expect_match "the start is in the history" 'started +[0-9]+ .*first process' "$(ctnctl events web1)"
}
t_start_order() {
    expect_eq "start.d ran in order" "10-www 20-httpd 30-done" "$(ctnctl exec web1 -- cat /var/log/start.log | tr '\n' ' ' | sed 's/ $//')"
    expect_match "the controller logged each" 'start.d/10-www.*start.d/20-httpd.*start.d/30-done' "$(tr '\n' ' ' < /var/lib/ctn/web1/console.log)"
}
t_private_writes() {
    ctnctl exec web1 -- sh -c 'echo secret > /www/secret.txt' || fail "write inside web1"
    expect_eq "web1 reads its write" secret "$(ctnctl exec web1 -- cat /www/secret.txt)"
    ! ctnctl exec web2 -- cat /www/secret.txt 2>/dev/null || fail "web2 sees web1's file"
    [ ! -e $SKEL/www/secret.txt ] || fail "the write reached the shared skeleton"
    [ ! -e /www/secret.txt ] || fail "the write reached the host's root"
    expect_match "not served by web2" '^HTTP/1\.[01] 404' "$(status 127.0.20.1 /secret.txt)"
    expect_eq "the hostname files are each container's" "web2.example" "$(ctnctl exec web2 -- cat /etc/hostname)"
}
t_proc() {
    pids_of() { ctnctl ps "$1" | awk 'NR > 1 { print $1 }' | sort -n | tr '\n' ' '; }
    httpd2=$(ctnctl ps web2 | awk '$NF == "httpd" { print $1 }')
    [ -n "$httpd2" ] || fail "no httpd in web2: $(ctnctl ps web2)"
    # The shell lists /proc and reads /proc/self with builtins: it is the only process
    # inside that ctnctl ps did not list.
    seen=$(ctnctl exec web1 -- sh -c 'cd /proc && echo [0-9]*; read pid rest < /proc/self/stat; echo "self=$pid sh=$$"')
    listed=$(echo "$seen" | head -n 1)
    self=$(echo "$seen" | sed -n 's/^self=\([0-9]*\) sh=\([0-9]*\)$/\1 \2/p')
    expect_eq "/proc/self is the shell that reads it" "${self#* }" "${self% *}"
    others=$(for p in $listed; do [ "$p" = "${self#* }" ] || echo "$p"; done | sort -n | tr '\n' ' ')
    expect_eq "its /proc lists its processes only" "$(pids_of web1)" "$others"
    for p in 1 $$ "$httpd2"; do
        case " $listed " in *" $p "*) fail "pid $p (not web1's) is in web1's /proc" ;; esac
    done
    out=$(ctnctl exec web1 -- ps)
    expect_match "ps inside shows its server" 'httpd' "$out"
    expect_eq "ps inside: its processes and ps" "$(( $(echo "$(pids_of web1)" | wc -w) + 1 ))" "$(echo "$out" | awk 'NR > 1' | wc -l)"
    expect_match "a proc of its own, nosuid,nodev,noexec" ' /var/lib/ctn/web1/root/proc proc [^ ]*nosuid,nodev,noexec' "$(cat /proc/mounts)"
    host=$(hostname)
    ! ctnctl exec web1 -- sh -c 'echo evil > /proc/sys/kernel/hostname' 2>/dev/null || fail "a /proc/sys write inside succeeded"
    expect_eq "the host's name is unchanged" "$host" "$(hostname)"
    if [ -e /proc/sysrq-trigger ]; then
        ! ctnctl exec web1 -- sh -c 'echo h > /proc/sysrq-trigger' 2>/dev/null || fail "a SysRq write inside succeeded"
    fi
}
t_confinement() {
    n=0
    for call in chroot double-chroot pivot-root mount umount fsopen open-tree setns unshare-net \
                clone-newns init-module finit-module delete-module kexec-load reboot \
                settimeofday clock-settime adjtimex swapon; do
        expect_eq "$call inside" errno=EPERM "$(ctnctl exec web1 -- ctntest escape $call)"
        n=$((n + 1))
    done
    echo "$n calls refused"
    expect_eq "unshare without a namespace is allowed" ok "$(ctnctl exec web1 -- ctntest escape unshare-files)"
    ! ctnctl exec web1 -- cat /tests/lib.sh >/dev/null 2>&1 || fail "a host file is readable inside"
    ! ctnctl exec web1 -- mount -t tmpfs tmpfs /tmp 2>/dev/null || fail "busybox mount inside"
    expect_eq "a container without a root is confined too" errno=EPERM "$(ctnctl create plain >/dev/null; ctnctl exec plain -- ctntest escape mount)"
    expect_eq "the host is not" ok "$(ctntest escape chroot)"
    expect_match "refusals are in the history" 'refused .*errno 1' "$(ctnctl events web1)"
    ctnctl destroy plain >/dev/null
    # A setuid program the container's root made: a host user must not reach it.
    ctnctl exec web1 -- sh -c 'cp /bin/busybox /busybox.suid && chmod 4755 /busybox.suid' || fail "setuid file inside"
    expect_eq "the state directory is the host root's alone" 700 "$(stat -c %a /var/lib/ctn/web1)"
    out=$(ctntest as-user 65534 /var/lib/ctn/web1/root/busybox.suid id -u 2>&1)
    expect_match "a host user cannot reach the container's setuid file to run it" 'cannot run' "$out"
    ctnctl exec web1 -- rm /busybox.suid
}
t_stop() {
    out=$(ctnctl stop web1); rc=$?
    expect_eq "stop: exit 0" 0 $rc
    expect_match "stop says SIGTERM was enough" 'stopped web1: SIGTERM to [0-9]+ processes, which ended' "$out"
    expect_eq "status" "web1: stopped" "$(ctnctl status web1)"
    ! grep -q " /var/lib/ctn/web1/root " /proc/mounts || fail "overlay still mounted"
    ! grep -q " /var/lib/ctn/web1/root/proc " /proc/mounts || fail "its proc still mounted"
    ctnctl start web1 >/dev/null || fail "start web1 again"
    wait_for "web1's server to listen again" listening 80 2
    expect_eq "started again, the private write is still there" secret "$(get 127.0.10.1 /secret.txt)"
}
t_stop_kill() {
    spec stubborn 127.0.40.1 && cat >> /tmp/stubborn.toml <<'EOF'
[start]
command = ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
EOF
    ctnctl apply /tmp/stubborn.toml >/dev/null && ctnctl start stubborn >/dev/null || fail "start stubborn"
    # Its shell and a sleep: the loop has begun, so the trap is set.
    wait_for "stubborn's loop" tasks_at_least stubborn 2
    out=$(ctnctl stop stubborn)
    expect_match "stop reports the SIGKILL" 'ignored it and were killed \(SIGKILL\) after the 1\.0 s grace period' "$out"
    expect_eq "stopped" "stubborn: stopped" "$(ctnctl status stubborn)"
    ev=$(ctnctl events stubborn)
    expect_match "the history: killed by signal 9" 'exit .*(SIGKILL|signal 9)' "$ev"
    expect_match "the history: how it stopped" 'stopped .*killed after the grace period' "$ev"
    ctnctl start stubborn >/dev/null || fail "start stubborn again"
    wait_for "stubborn's loop again" tasks_at_least stubborn 2
    expect_match "--json" '"killed": [1-9]' "$(ctnctl --json stop stubborn --grace 0.5)"
}
t_bad_specs() {
    bad() { printf '%s\n' "$2" > /tmp/bad.toml; out=$(ctnctl apply /tmp/bad.toml 2>&1); rc=$?
            expect_eq "$1: exit 2" 2 $rc; expect_match "$1: message" "$3" "$out"; }
    bad "unknown key" 'name = "b1"
hostnme = "x"' 'unknown field `hostnme`'
    bad "bad IP" 'name = "b1"
ip = "300.1.1.1"' "ip '300.1.1.1' is not an IPv4 address"
    bad "missing root" 'name = "b1"
[root]
path = "/srv/nothing"' "root.path '/srv/nothing': no such directory"
    bad "bad limit" 'name = "b1"
[limits]
max_memory = "lots"' "limits.max_memory 'lots'"
    bad "relative start command" 'name = "b1"
[start]
command = ["start"]' "start.command: 'start' must be an absolute path"
    spec clash 127.0.20.1
    out=$(ctnctl apply /tmp/clash.toml 2>&1); rc=$?
    expect_eq "an address another container has: exit 1" 1 $rc
    expect_match "says so" 'another container already has that IP' "$out"
    ! ctnctl list | grep -Eq ' (b1|clash) ' || fail "a container was left behind"
}
t_capture() {
    # A small service on the host's files, run once in a plain container that records.
    mkdir -p /srv/app && echo hello > /srv/app/greeting.txt
    # It also reads a file of the kernel's through a link (as a link to /proc/kcore would).
    ln -sf /proc/version /srv/app/kernel.txt
    printf '#!/bin/sh\nread greeting < /srv/app/greeting.txt\nread kernel < /srv/app/kernel.txt\necho "app says: $greeting"\n' > /srv/app/run.sh
    chmod +x /srv/app/run.sh
    ctnctl create app --record-files >/dev/null || fail "create app --record-files"
    expect_eq "it runs on the host's files" "app says: hello" "$(ctnctl exec app -- /srv/app/run.sh)"
    files=$(ctnctl files app)
    for f in /srv/app/run.sh /srv/app/greeting.txt /bin/sh; do
        expect_match "recorded $f" "^$f\$" "$files"
    done
    expect_match "capture" '^captured [0-9]+ files app opened into /srv/captured' "$(ctnctl capture app /srv/captured)"
    [ -L /srv/captured/bin/sh ] && [ -x /srv/captured/bin/busybox ] || fail "the interpreter's symlink and target: $(ls -l /srv/captured/bin)"
    [ ! -e /srv/captured/tests ] && [ ! -e /srv/captured/usr/bin/ctnctl ] || fail "more than it used was copied"
    [ ! -e /srv/captured/proc/version ] && [ ! -L /srv/captured/srv/app/kernel.txt ] || fail "a kernel file reached through a link was copied"
    out=$(ctnctl capture web1 /srv/captured-web1 2>&1); rc=$?
    expect_eq "capture of a container with a root of its own: exit" 1 $rc
    expect_match "says why" "has a root of its own" "$out"
    [ ! -e /srv/captured-web1 ] || fail "it made the directory"
    printf 'name = "app2"\n[root]\npath = "/srv/captured"\n[start]\ncommand = ["/srv/app/run.sh"]\n' > /tmp/app2.toml
    ctnctl apply /tmp/app2.toml >/dev/null && ctnctl start app2 >/dev/null || fail "start the captured container"
    wait_for "it runs from its own root and finds every file" has_line /var/lib/ctn/app2/console.log 'app says: hello'
    out=$(ctnctl files web1 2>&1)
    expect_match "a container that does not record: says so" 'does not record the files it opens' "$out"
    expect_match "and how" 'ctnctl create --record-files' "$out"
    ctnctl destroy app >/dev/null && ctnctl destroy app2 >/dev/null
}
t_export_import() {
    ctnctl export web2 -o /tmp/web2.tar >/dev/null || fail "export"
    for c in web1 web2 stubborn; do ctnctl stop $c >/dev/null; ctnctl destroy $c >/dev/null || fail "destroy $c"; done
    # A new host: no module state, no specs, no state, not even the skeleton.
    rmmod ctn && rm -rf /etc/ctn/containers/* /var/lib/ctn/* $SKEL && insmod "$CTN_KO" || fail "a fresh host"
    out=$(ctnctl import /tmp/web2.tar --name web3 --ip 127.0.30.1 --hostname web3.example) || fail "import: $out"
    expect_match "import says where the root went" 'imported web3 with its root in /var/lib/ctn/web3/root' "$out"
    ctnctl start web3 >/dev/null || fail "start web3"
    wait_for "web3's server to listen" listening 80 1
    expect_eq "it starts and serves under its new identity" "hello from web3.example" "$(get 127.0.30.1 /)"
    expect_match "its spec has a root of its own" 'path = "/var/lib/ctn/web3/root"' "$(ctnctl show --spec web3)"
    expect_match "the same name again is refused" "a container named 'web3' already exists" "$(ctnctl import /tmp/web2.tar --name web3 2>&1)"
    expect_match "its address too" 'another container already has that IP' "$(ctnctl import /tmp/web2.tar --name web4 --ip 127.0.30.1 2>&1)"
    [ ! -e /var/lib/ctn/web4 ] || [ -z "$(ls /var/lib/ctn/web4)" ] || fail "a refused import left its root"
    ctnctl stop web3 >/dev/null
}
# An archive may come from anyone: the capabilities its spec asks for beyond the default
# set are the host admin's to give.
t_import_caps() {
    printf '%s\n' 'name = "capper"' 'cap_add = ["NET_ADMIN", "SYS_ADMIN"]' > /tmp/capper.toml
    ctnctl apply /tmp/capper.toml >/dev/null && ctnctl export capper -o /tmp/capper.tar >/dev/null || fail "export capper"
    ctnctl destroy capper >/dev/null && rm -f /etc/ctn/containers/capper.toml
    out=$(ctnctl import /tmp/capper.tar --name capper2 2>&1); rc=$?
    expect_eq "an import that asks for capabilities is refused" 1 "$rc"
    expect_match "it names them" 'beyond the default set: CAP_NET_ADMIN, CAP_SYS_ADMIN' "$out"
    expect_match "and how to give them" 'import it with --grant-caps' "$out"
    ! ctnctl show capper2 >/dev/null 2>&1 || fail "the refused import made the container"
    ctnctl import /tmp/capper.tar --name capper2 --grant-caps >/dev/null || fail "import --grant-caps"
    caps=$(ctnctl show capper2 | grep '^capabilities')
    expect_match "--grant-caps gives them" 'CAP_NET_ADMIN .*CAP_SYS_ADMIN' "$caps"
    ctnctl destroy capper2 >/dev/null && rm -f /etc/ctn/containers/capper2.toml
}
# Root inside a container owns its root: links it leaves there must not lead ctnctl (host
# root) out of it.
t_host_files() {
    echo host-secret > /tmp/victim; echo host-hosts > /tmp/victim-hosts
    ctnctl exec web1 -- sh -c 'rm -f /etc/hostname /etc/hosts && ln -s /tmp/victim /etc/hostname && ln -s /tmp/victim-hosts /etc/hosts && ln -s /tmp/victim /leak' || fail "make the links inside"
    ctnctl stop web1 >/dev/null; ctnctl start web1 >/dev/null || fail "restart web1"
    expect_eq "start wrote nothing through /etc/hostname's link" host-secret "$(cat /tmp/victim)"
    expect_eq "nor through /etc/hosts's" host-hosts "$(cat /tmp/victim-hosts)"
    expect_eq "the container's /etc/hostname is a file of its own again" "web1.example no-link" \
        "$(ctnctl exec web1 -- sh -c 'cat /etc/hostname; [ -L /etc/hostname ] && echo link || echo no-link' | tr '\n' ' ' | sed 's/ $//')"
    ctnctl export web1 -o /tmp/links.tar >/dev/null || fail "export"
    expect_match "export keeps a link as a link" 'root/leak -> /tmp/victim' "$(tar -tvf /tmp/links.tar | grep leak)"
    tar -xOf /tmp/links.tar root/leak 2>/dev/null | grep -q host-secret && fail "the host file's content is in the archive"
    ctnctl exec web1 -- rm -f /leak
    # /etc itself a link out of the root (a root of its own, as an import makes), to a
    # directory that exists both on the host and in the root: resolved inside the root.
    cp -a $SKEL /srv/own && mv /srv/own/etc /srv/own/etc.real && ln -s ../../../../../tmp/hostetc /srv/own/etc || fail "make the root"
    mkdir -p /tmp/hostetc /srv/own/tmp/hostetc
    printf 'name = "own"\n[root]\npath = "/srv/own"\n' > /tmp/own.toml
    # Its /proc a link too: ctnctl mounts proc on no directory the link names.
    rmdir /srv/own/proc && ln -s ../../../../../tmp/hostetc /srv/own/proc || fail "make /proc a link"
    ctnctl apply /tmp/own.toml >/dev/null || fail "apply own"
    out=$(ctnctl exec own -- true 2>&1); rc=$?
    expect_eq "exec with /proc a link: exit 1" 1 $rc
    expect_match "says /proc must be a directory" '/srv/own/proc: .*must be a directory \(not a link\)' "$out"
    ! grep -Eq ' /tmp/hostetc | /srv/own/tmp/hostetc ' /proc/mounts || fail "proc mounted where the link points: $(grep hostetc /proc/mounts)"
    rm /srv/own/proc && mkdir /srv/own/proc
    ctnctl exec own -- true || fail "exec in own"
    [ ! -e /tmp/hostetc/hostname ] || fail "ctnctl followed /etc out of the root: $(ls -l /tmp/hostetc)"
    expect_eq "the name went inside the root" own "$(cat /srv/own/tmp/hostetc/hostname)"
    grep -q ' /srv/own/proc proc ' /proc/mounts || fail "no proc in own's root"
    ctnctl destroy own >/dev/null || fail "destroy own"
    ! grep -q ' /srv/own/proc ' /proc/mounts || fail "destroy left own's proc mounted"
    rm -rf /srv/own /tmp/own.toml /etc/ctn/containers/own.toml /tmp/hostetc
    rm -f /tmp/victim /tmp/victim-hosts /tmp/links.tar
}
t_cleanup() {
    for c in $(ctnctl --json list | sed -n 's/.*"name": "\([^"]*\)".*/\1/p'); do
        ctnctl destroy --force --grace 0 "$c" >/dev/null || fail "destroy $c"
    done
    ctn_unload || fail "rmmod"
    ! grep -q ' /var/lib/ctn/.*overlay' /proc/mounts || fail "an overlay outlived its container: $(grep overlay /proc/mounts)"
    umount /var/lib/ctn && umount /srv || fail "umount the test's file systems"
}

run_case "rootfs skeleton: busybox, a program, devices, the execution file" t_skeleton
run_case "apply creates and updates from a spec; show --spec prints it" t_apply
run_case "two containers from one skeleton serve port 80 with their own names and pages" t_two_servers
run_case "the execution file runs start.d in lexical order" t_start_order
run_case "writes are private: not in the other container, the skeleton or the host" t_private_writes
run_case "a /proc of its own in a rooted container: ps lists its processes only" t_proc
run_case "confinement: every escape call is EPERM, the double chroot fails, host files unreachable" t_confinement
run_case "stop ends with SIGTERM, unmounts; start again keeps the private layer" t_stop
run_case "stop of a process that ignores SIGTERM: SIGKILL after the grace period, reported" t_stop_kill
run_case "links a container leaves in its root lead ctnctl nowhere outside it" t_host_files
run_case "bad specs: the message names the key" t_bad_specs
run_case "capture: the files a service opened become the root it starts from" t_capture
run_case "export, then import under a new name and IP on a fresh host: it starts and serves" t_export_import
run_case "import of an archive that asks for capabilities: refused without --grant-caps" t_import_caps
run_case "cleanup and unload" t_cleanup
ktap_finish
