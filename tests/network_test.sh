#!/bin/sh
# Container network identity: bind, connect and sendto rules, the private loopback, IPv6,
# interface queries, address ownership. Only 127.0.0.0/8 addresses (the VM has no network
# device): web1 = 127.0.10.1 (its loopback: the same), web2 = 127.0.20.1 with its own
# loopback 127.0.20.2, the host's stand-in peer = 127.0.99.1.
. "$(dirname "$0")/lib.sh"
ktap_plan 12
ctn_load || { echo "# cannot load $CTN_KO"; exit 1; }
ctnctl create web1 --hostname web1.example --ip 127.0.10.1 --mac 02:00:00:00:0a:01 >/dev/null
ctnctl create web2 --hostname web2.example --ip 127.0.20.1 --loopback 127.0.20.2 --mac 02:00:00:00:14:01 >/dev/null
ctnctl create plain >/dev/null

# serve NAME ARGS...: run `ctntest net serve ARGS` (in the background) as NAME (a container,
# or "host"), wait until it listens; its output goes to /tmp/serve.NAME.
serve() {
    who=$1; shift
    out=/tmp/serve.$who.$$; rm -f "$out"
    if [ "$who" = host ]; then ctntest net serve "$@" > "$out" &
    else ctnctl exec "$who" -- ctntest net serve "$@" > "$out" & fi
    wait_for "a service in $who ($*)" has_line "$out" listening
}
# run_in NAME CMD...: run CMD in container NAME, or on the host for "host".
run_in() { who=$1; shift; if [ "$who" = host ]; then "$@"; else ctnctl exec "$who" -- "$@"; fi; }

t_bind_rules() {
    expect_eq "wildcard lands on the container's IP" "ok local=127.0.10.1:8080" "$(run_in web1 ctntest net bind 0.0.0.0 8080)"
    expect_eq "own IP" "ok local=127.0.10.1:8081" "$(run_in web1 ctntest net bind 127.0.10.1 8081)"
    expect_eq "127.0.0.1 is its loopback (= its IP)" "ok local=127.0.10.1:8082" "$(run_in web1 ctntest net bind 127.0.0.1 8082)"
    expect_eq "127.0.0.1 is its own loopback" "ok local=127.0.20.2:8082" "$(run_in web2 ctntest net bind 127.0.0.1 8082)"
    expect_eq "own loopback directly" "ok local=127.0.20.2:8083" "$(run_in web2 ctntest net bind 127.0.20.2 8083)"
    expect_eq "UDP wildcard" "ok local=127.0.20.1:8080" "$(run_in web2 ctntest net bind --udp 0.0.0.0 8080)"
    expect_eq "another container's IP" errno=EADDRNOTAVAIL "$(run_in web1 ctntest net bind 127.0.20.1 8080)"
    expect_eq "another container's loopback" errno=EADDRNOTAVAIL "$(run_in web1 ctntest net bind 127.0.20.2 8080)"
    expect_eq "a host address" errno=EADDRNOTAVAIL "$(run_in web1 ctntest net bind 127.0.99.1 8080)"
    expect_eq "UDP foreign" errno=EADDRNOTAVAIL "$(run_in web1 ctntest net bind --udp 127.0.99.1 8080)"
    expect_eq "the host is not restricted" "ok local=0.0.0.0:8080" "$(ctntest net bind 0.0.0.0 8080)"
    expect_eq "a container without an IP uses the host's network" "ok local=0.0.0.0:8080" "$(run_in plain ctntest net bind 0.0.0.0 8080)"
}
t_same_port() {
    # busybox nc -l binds an IPv6 socket to :: (v4-mapped rules apply); -e runs hostname
    # inside the container for each connection.
    ctnctl exec web1 -- nc -l -p 8080 -e hostname &
    ctnctl exec web2 -- nc -l -p 8080 -e hostname &
    serve host 8080 --addr 127.0.0.1 --reply host-service
    wait_for "three listeners on port 8080" listening 8080 3
    expect_eq "web1 answers on its IP" web1.example "$(nc 127.0.10.1 8080 </dev/null)"
    expect_eq "web2 answers on its IP" web2.example "$(nc 127.0.20.1 8080 </dev/null)"
    expect_match "the host's own listener on the same port" '^ok .* reply=host-service ' "$(ctntest net connect 127.0.0.1 8080)"
    wait
}
t_source_address() {
    serve host 9000 --addr 127.0.99.1 --reply seen --count 3
    expect_match "TCP from web1" 'reply=seen peer=127\.0\.10\.1:' "$(run_in web1 ctntest net connect 127.0.99.1 9000)"
    expect_match "TCP from web2" 'reply=seen peer=127\.0\.20\.1:' "$(run_in web2 ctntest net connect 127.0.99.1 9000)"
    expect_match "TCP from the host (unchanged)" 'reply=seen peer=127\.0\.0\.1:' "$(ctntest net connect 127.0.99.1 9000)"
    wait
    serve host 9001 --udp --addr 127.0.99.1 --reply seen
    expect_match "UDP sendto from an unbound socket" 'reply=seen peer=127\.0\.10\.1:' "$(run_in web1 ctntest net connect --udp 127.0.99.1 9001)"
    wait
}
t_private_loopback() {
    serve host 5432 --addr 127.0.0.1 --reply db-host
    serve web1 5432 --addr 127.0.0.1 --reply db-web1
    serve web2 5432 --addr 127.0.0.1 --reply db-web2 --count 2
    expect_match "web1 listens on its own loopback" 'local=127\.0\.10\.1:5432' "$(cat /tmp/serve.web1.$$)"
    expect_match "web2 listens on its own loopback" 'local=127\.0\.20\.2:5432' "$(cat /tmp/serve.web2.$$)"
    expect_match "web1 reaches its own database" 'reply=db-web1 peer=127\.0\.10\.1:' "$(run_in web1 ctntest net connect 127.0.0.1 5432)"
    expect_match "web2 reaches its own, from its loopback" 'reply=db-web2 peer=127\.0\.20\.2:' "$(run_in web2 ctntest net connect 127.0.0.1 5432)"
    expect_match "the host reaches the host's" 'reply=db-host peer=127\.0\.0\.1:' "$(ctntest net connect 127.0.0.1 5432)"
    expect_eq "web1 cannot reach web2's private loopback" errno=EPERM "$(run_in web1 ctntest net connect 127.0.20.2 5432)"
    expect_eq "nor send to it" errno=EPERM "$(run_in web1 ctntest net connect --udp 127.0.20.2 5432)"
    expect_match "the host can" 'reply=db-web2 peer=127\.0\.0\.1:' "$(ctntest net connect 127.0.20.2 5432)"
    wait
}
t_listen_unbound() {
    serve web1 0 --reply x
    out=$(cat /tmp/serve.web1.$$)
    expect_match "listen() without bind() listens on the container's IP" 'local=127\.0\.10\.1:[1-9]' "$out"
    port=${out##*:}
    expect_match "and is reachable there" 'reply=x' "$(ctntest net connect 127.0.10.1 "$port")"
    wait
}
t_ipv6() {
    expect_eq "bind :: is the v4-mapped container IP" "ok local=[::ffff:127.0.10.1]:8080" "$(run_in web1 ctntest net bind :: 8080)"
    expect_eq "bind ::1 is its v4-mapped loopback" "ok local=[::ffff:127.0.20.2]:8080" "$(run_in web2 ctntest net bind ::1 8080)"
    expect_eq "v4-mapped own IP" "ok local=[::ffff:127.0.10.1]:8081" "$(run_in web1 ctntest net bind ::ffff:127.0.10.1 8081)"
    expect_eq "v4-mapped foreign IP" errno=EADDRNOTAVAIL "$(run_in web1 ctntest net bind ::ffff:127.0.20.1 8080)"
    expect_eq "a native IPv6 address" errno=EADDRNOTAVAIL "$(run_in web1 ctntest net bind fe80::1 8080)"
    expect_eq "connect to a native IPv6 address" errno=EADDRNOTAVAIL "$(run_in web1 ctntest net connect ::1:2 80)"
    serve host 9002 --addr 127.0.99.1 --reply six
    expect_match "connect to a v4-mapped address, source is the container's" 'reply=six peer=127\.0\.10\.1:' "$(run_in web1 ctntest net connect ::ffff:127.0.99.1 9002)"
    wait
    expect_eq "without an IP, IPv6 is the host's" "ok local=[::1]:8080" "$(run_in plain ctntest net bind ::1 8080)"
}
t_interfaces() {
    host_mac=$(cat /sys/class/net/dummy0/address)
    expect_match "ifconfig shows the container's MAC" 'HWaddr 02:00:00:00:0A:01' "$(run_in web1 ifconfig dummy0)"
    expect_match "and its IP" 'inet addr:127\.0\.10\.1 ' "$(run_in web1 ifconfig dummy0)"
    expect_match "web2 its own" 'HWaddr 02:00:00:00:14:01' "$(run_in web2 ifconfig dummy0)"
    expect_match "loopback keeps 127.0.0.1" 'inet addr:127\.0\.0\.1 ' "$(run_in web1 ifconfig lo)"
    hw=$(echo "$host_mac" | tr a-f A-F)
    expect_match "the host sees its own MAC" "HWaddr $hw" "$(ifconfig dummy0)"
    ! ifconfig dummy0 | grep -q 'inet addr' || fail "the host sees an address on dummy0"
    expect_match "no MAC given: the host's" "HWaddr $hw" "$(run_in plain ifconfig dummy0)"
    ip addr add 127.0.99.5/32 dev dummy0 || fail "ip addr add"
    expect_match "SIOCGIFCONF on the host" '^dummy0 127\.0\.99\.5$' "$(ctntest net ifconf)"
    expect_match "SIOCGIFCONF in web1" '^dummy0 127\.0\.10\.1$' "$(run_in web1 ctntest net ifconf)"
    expect_match "SIOCGIFCONF keeps lo" '^lo 127\.0\.0\.1$' "$(run_in web1 ctntest net ifconf)"
    ip addr del 127.0.99.5/32 dev dummy0
}
t_ownership() {
    out=$(ctnctl create dup --ip 127.0.10.1 2>&1); rc=$?
    expect_eq "duplicate IP: exit 1" 1 $rc
    expect_match "says why" 'already has that IP' "$out"
    ! ctnctl list | grep -q dup || fail "a container was left behind"
    ctnctl create dup --ip 127.0.20.2 >/dev/null 2>&1; expect_eq "another's loopback as IP" 1 $?
    ctnctl create dup --ip 127.0.30.1 --loopback 127.0.20.1 >/dev/null 2>&1; expect_eq "another's IP as loopback" 1 $?
    ctnctl create dup --mac 02:00:00:00:0a:01 >/dev/null 2>&1; expect_eq "duplicate MAC" 1 $?
    expect_call() { expect_eq "$1" "$2" "$(shift 2; ctntest call "$@")"; }
    expect_call "EADDRINUSE from the ioctl" errno=EADDRINUSE set-identity --name plain --flags 4 --ipv4 127.0.10.1
    ctnctl set web1 --ip 127.0.10.1 --mac 02:00:00:00:0a:01 >/dev/null || fail "setting its own addresses again"
    ctnctl create tmp --ip 127.0.30.1 >/dev/null && ctnctl destroy tmp >/dev/null || fail "create/destroy"
    ctnctl create tmp --ip 127.0.30.1 >/dev/null || fail "an address is free again after destroy"
    ctnctl set tmp --ip none >/dev/null && ctnctl create tmp2 --ip 127.0.30.1 >/dev/null || fail "free again after --ip none"
    ctnctl destroy tmp >/dev/null; ctnctl destroy tmp2 >/dev/null
}
t_invalid() {
    for a in 0.0.0.0 255.255.255.255 224.0.0.1 127.0.0.1 127.255.255.255 nonsense; do
        out=$(ctnctl create bad --ip "$a" 2>&1); rc=$?
        expect_eq "--ip $a: exit 2" 2 $rc
        expect_match "--ip $a: message" "--ip" "$out"
    done
    for m in 00:00:00:00:00:00 ff:ff:ff:ff:ff:ff 01:00:5e:00:00:01 02:00; do
        ctnctl create bad --mac "$m" >/dev/null 2>&1; expect_eq "--mac $m: exit 2" 2 $?
    done
    ctnctl create bad --ip 127.0.30.1 --loopback 224.0.0.1 >/dev/null 2>&1; expect_eq "multicast loopback" 2 $?
    ! ctnctl list | grep -q bad || fail "a container was left behind"
    expect_call() { expect_eq "$1" "$2" "$(shift 2; ctntest call "$@")"; }
    expect_call "ioctl: broadcast" errno=EINVAL set-identity --name plain --flags 4 --ipv4 255.255.255.255
    expect_call "ioctl: multicast" errno=EINVAL set-identity --name plain --flags 4 --ipv4 224.0.0.1
    expect_call "ioctl: host loopback" errno=EINVAL set-identity --name plain --flags 4 --ipv4 127.0.0.1
    expect_call "ioctl: loopback without IP" errno=EINVAL set-identity --name plain --flags 4 --loopback 127.0.30.2
    expect_call "ioctl: multicast MAC" errno=EINVAL set-identity --name plain --flags 8 --mac 01:00:5e:00:00:01
    expect_call "ioctl: get" "ok hostname=web2.example domainname=(none) ipv4=127.0.20.1 loopback=127.0.20.2 mac=02:00:00:00:14:01" get-identity --name web2
}
t_set_live() {
    ctnctl exec plain -- sh -c 'while [ ! -e /tmp/net.go ]; do sleep 0.1; done; ctntest net bind 0.0.0.0 8080 > /tmp/net.plain' &
    wait_for "a process in plain" tasks_at_least plain 1
    expect_match "set --ip on a running container" 'ip 127\.0\.30\.1' "$(ctnctl set plain --ip 127.0.30.1)"
    touch /tmp/net.go; wait
    expect_eq "its running process binds there now" "ok local=127.0.30.1:8080" "$(cat /tmp/net.plain)"
    ctnctl set plain --ip none >/dev/null
    expect_eq "--ip none: the host's network again" "ok local=0.0.0.0:8080" "$(run_in plain ctntest net bind 0.0.0.0 8080)"
    expect_match "show" 'ip: +none' "$(ctnctl show plain)"
    expect_match "show --json" '"ip": "127.0.10.1"' "$(ctnctl --json show web1)"
}
t_alias() {
    has() { ip -o -4 addr show dev dummy0 | grep -q "inet $1/32 .*dummy0:ctn"; }
    ctnctl create al --ip 127.0.40.1 --alias-on dummy0 >/dev/null || fail "create --alias-on"
    has 127.0.40.1 || fail "the address is on dummy0: $(ip -o -4 addr show dev dummy0)"
    ctnctl set al --ip 127.0.40.2 >/dev/null || fail "set --ip"
    has 127.0.40.2 && ! has 127.0.40.1 || fail "the alias follows a new address: $(ip -o -4 addr show dev dummy0)"
    ip addr add 127.0.40.9/32 dev dummy0
    ctnctl destroy al >/dev/null || fail "destroy"
    ! has 127.0.40.2 || fail "destroy removes the alias"
    ip -o -4 addr show dev dummy0 | grep -q "inet 127.0.40.9/32" || fail "an address added by hand stays"
    ip addr del 127.0.40.9/32 dev dummy0
    ctnctl create al --alias-on dummy0 >/dev/null 2>&1; expect_eq "--alias-on without --ip" 2 $?
    ctnctl create al --ip 127.0.40.1 --alias-on nosuchdev >/dev/null 2>&1; expect_eq "no such interface: exit 1" 1 $?
    ! ctnctl list | grep -q '^[0-9]* *al ' || fail "a container was left behind"
}
t_unload_with_sockets() {
    # The module goes away while containers exist and one of their processes listens: the
    # process goes on as a host process, its socket where it was.
    serve web1 7000 --reply after-unload
    klog_mark
    rmmod ctn || fail "rmmod with containers and sockets alive"
    expect_match "the socket still answers" 'reply=after-unload peer=127\.0\.0\.1:' "$(ctntest net connect 127.0.10.1 7000)"
    wait
    expect_unload_clean "rmmod with containers and sockets alive"
}

run_case "bind: wildcard, own, loopback and foreign addresses" t_bind_rules
run_case "two containers and the host serve the same port" t_same_port
run_case "peers see the container's IP as the source" t_source_address
run_case "127.0.0.1 is private to each container" t_private_loopback
run_case "listen() on an unbound socket" t_listen_unbound
run_case "IPv6: v4-mapped rules, native addresses refused" t_ipv6
run_case "interface queries show the container's MAC and IP" t_interfaces
run_case "an address or MAC belongs to one container" t_ownership
run_case "invalid addresses are refused with a message" t_invalid
run_case "set changes the network of a running container" t_set_live
run_case "--alias-on adds the address to a host interface, destroy removes it" t_alias
run_case "unload with containers and their sockets alive" t_unload_with_sockets
ktap_finish
