#!/bin/sh
# Starts processes of many shapes, each writing its pid to a file in directory $1, then
# exits at once (leaving them behind as orphans, as a daemonizing service would).
d=$1
sh -c 'echo $$ > "$1/nested"; exec sleep 300' sh "$d" &
( sh -c 'echo $$ > "$1/subshell"; exec sleep 300' sh "$d" ) &
echo data | { cat > /dev/null; sh -c 'echo $$ > "$1/pipeline"; exec sleep 300' sh "$d"; } &
sh -c 'sh -c "echo \$\$ > \"\$1/doublefork\"; exec sleep 300" sh "$1" & exit 0' sh "$d"
setsid sh -c 'echo $$ > "$1/daemon"; exec sleep 300' sh "$d" < /dev/null > /dev/null 2>&1 &
start-stop-daemon -S -b -m -p "$d/ssd" -x /bin/sleep -- 300
exit 0
