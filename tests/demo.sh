#!/bin/sh
# `make demo`: what ctn does today, shown in the VM.
set -e
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }
say "ctnctl version   # before loading the module"
ctnctl version || true
run insmod /ctn/ctn.ko
run ls -l /dev/ctn
run ctnctl version
run ctnctl create web
run ctnctl create db
say "ctnctl exec web -- sh -c 'sleep 60 & sleep 60 & (sleep 60 &); sh -c \"exit 3\"'"
ctnctl exec web -- sh -c 'sleep 60 & sleep 60 & (sleep 60 &); sh -c "exit 3"' || true
say "sleep 60 &   # a host process: it does not join"
sleep 60 &
run ctnctl list
run ctnctl ps web
run ctnctl stats
run ctnctl events web
say "ctnctl exec web -- ctnctl create escape   # refused from inside"
ctnctl exec web -- ctnctl create escape || true
run ctnctl destroy web || true
run ctnctl destroy --force --grace 1 web
run ctnctl --json stats db
say "# network identity: two web servers on port 8080, one host"
run ctnctl create web1 --hostname web1.example --ip 127.0.10.1 --mac 02:00:00:00:0a:01
run ctnctl create web2 --hostname web2.example --ip 127.0.20.1 --loopback 127.0.20.2
say "ctnctl exec web1 -- nc -l -p 8080 -e hostname &   # binds :: (every address)"
ctnctl exec web1 -- nc -l -p 8080 -e hostname &
say "ctnctl exec web2 -- nc -l -p 8080 -e hostname &"
ctnctl exec web2 -- nc -l -p 8080 -e hostname &
sleep 0.5
say "nc 127.0.10.1 8080; nc 127.0.20.1 8080   # from the host"
nc 127.0.10.1 8080 </dev/null; nc 127.0.20.1 8080 </dev/null
wait
run ctnctl exec web1 -- ctntest net bind 0.0.0.0 9000
say "ctnctl exec web1 -- ctntest net bind 127.0.20.1 9000   # another container's address"
ctnctl exec web1 -- ctntest net bind 127.0.20.1 9000 || true
run ctnctl exec web2 -- ctntest net bind 127.0.0.1 5432
run ctnctl exec web1 -- ifconfig dummy0
run ctnctl show web2
say "# resource limits, checked when the system call arrives"
run ctnctl create app --max-tasks 5 --max-memory 64M --max-files 32 --max-disk 1M
run ctnctl exec app -- ctntest res tasks --processes 10
run ctnctl exec app -- ctntest res grow mmap 100M || true
run ctnctl exec app -- ctntest res open 100
run ctnctl exec app -- ctntest res write /tmp/app.log 2M
run ctnctl exec app -- free
run ctnctl exec app -- sh -c 'ulimit -v; ulimit -u; ulimit -n'
run ctnctl stats app
say "# bandwidth: a CPU share and a network rate, enforced within 100 ms"
run ctnctl create capped --cpu-share 25% --max-net-rate 1M
run ctnctl create uncapped
say "ctnctl exec capped -- ctntest res spin 3 --cpu 0 & ctnctl exec uncapped -- ctntest res spin 3 --cpu 0   # both on CPU 0"
ctnctl exec capped -- ctntest res spin 3 --cpu 0 & ctnctl exec uncapped -- ctntest res spin 3 --cpu 0; wait
say "ctntest net sink 127.0.0.1 5001 & ctnctl exec capped -- ctntest net source 127.0.0.1 5001 2097152   # 2 MiB at 1 MiB/s"
ctntest net sink 127.0.0.1 5001 & sleep 0.5; ctnctl exec capped -- ctntest net source 127.0.0.1 5001 2097152; wait
run ctnctl stats capped
run ctnctl host
say "ctnctl create greedy --cpu-share 180%   # admission: more than the host can reserve"
ctnctl create greedy --cpu-share 180% || true
say "# files and lifecycle: a skeleton root, specs, start/stop, confinement"
mkdir -p /srv /var/lib/ctn && mount -t tmpfs tmpfs /srv && mount -t tmpfs tmpfs /var/lib/ctn
run ctnctl rootfs skeleton /srv/skel --program /usr/bin/ctntest
printf '#!/bin/sh\necho "hello from $(hostname)" > /www/index.html\nhttpd -p 80 -h /www\n' > /srv/skel/etc/ctn/start.d/10-httpd
chmod +x /srv/skel/etc/ctn/start.d/10-httpd
for n in 1 2; do
    printf 'name = "site%s"\nhostname = "site%s.example"\nip = "127.0.5%s.1"\n[root]\nskeleton = "/srv/skel"\n' $n $n $n > /tmp/site$n.toml
    run ctnctl apply /tmp/site$n.toml
    run ctnctl start site$n
done
sleep 1
say "printf 'GET / HTTP/1.0\r\n\r\n' | nc 127.0.51.1 80; ... 127.0.52.1 80   # two servers on port 80"
printf 'GET / HTTP/1.0\r\n\r\n' | nc 127.0.51.1 80 | tail -n 1
printf 'GET / HTTP/1.0\r\n\r\n' | nc 127.0.52.1 80 | tail -n 1
run ctnctl status site1
run ctnctl show --spec site1
say "ctnctl exec site1 -- ctntest escape mount; ... chroot; ... reboot   # refused inside"
ctnctl exec site1 -- ctntest escape mount || true
ctnctl exec site1 -- ctntest escape double-chroot || true
ctnctl exec site1 -- ctntest escape reboot || true
run ctnctl stop site1
run ctnctl stop site2
run ctnctl events site1
run rmmod ctn
dmesg | grep 'ctn:'
