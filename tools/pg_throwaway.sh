#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests and print its URL.
#
#   eval "$(tools/pg_throwaway.sh start /tmp/callreview-pg)"   # exports CALLREVIEW_TEST_PG
#   tools/pg_throwaway.sh stop /tmp/callreview-pg
#
# Uses Debian's postgresql package (apt-get install postgresql). initdb refuses to run
# as root, so as root the server runs as the package's `postgres` user, with the data
# folder owned by it. It listens on loopback only, on a free port.
set -euo pipefail
action=${1:?usage: pg_throwaway.sh start|stop DIR}
dir=${2:?usage: pg_throwaway.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg_throwaway: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "'$bin/initdb' -D '$dir/data' -U callreview --auth=trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1"
    as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c max_connections=200 -c fsync=off\" start >/dev/null"
    echo "export CALLREVIEW_TEST_PG=postgresql://callreview@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast stop >/dev/null" || true
    ;;
  *) echo "usage: pg_throwaway.sh start|stop DIR" >&2; exit 2 ;;
esac
