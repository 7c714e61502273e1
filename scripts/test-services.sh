#!/usr/bin/env bash
# Source this file: when TEST_DATABASE_URL / TEST_REDIS_URL are not given, it installs (if
# missing) and starts a throwaway PostgreSQL and Redis on free ports, exports their URLs, and
# stops them when the calling shell exits. Given URLs are checked, never replaced.
set -euo pipefail

_pm_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

_pm_apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "error: $* missing and not root: install it or set the TEST_*_URL variables" >&2
    return 1
  fi
  echo "installing $* (apt)..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PM_SERVICES_DIR=$(mktemp -d /tmp/panelmerge-services.XXXXXX)
_pm_cleanup() {
  if [ -n "${PM_PG_DATA:-}" ] && [ -d "$PM_PG_DATA" ]; then
    ${PM_AS_PG:-} "$PM_PGBIN/pg_ctl" -D "$PM_PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$PM_SERVICES_DIR/redis.pid" ]; then
    kill "$(cat "$PM_SERVICES_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$PM_SERVICES_DIR"
}
trap _pm_cleanup EXIT

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    _pm_apt_install postgresql
  fi
  PM_PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PM_AS_PG=""
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PM_SERVICES_DIR"
    PM_AS_PG="runuser -u postgres --"
  fi
  PM_PG_DATA="$PM_SERVICES_DIR/pg"
  port=$(_pm_free_port)
  $PM_AS_PG "$PM_PGBIN/initdb" -D "$PM_PG_DATA" -A trust -U postgres -E UTF8 --no-sync >/dev/null
  $PM_AS_PG "$PM_PGBIN/pg_ctl" -D "$PM_PG_DATA" -l "$PM_SERVICES_DIR/pg.log" -w \
    -o "-p $port -k $PM_SERVICES_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "started throwaway PostgreSQL at $TEST_DATABASE_URL" >&2
fi

if [ -z "${TEST_REDIS_URL:-}" ]; then
  if ! command -v redis-server >/dev/null; then
    _pm_apt_install redis-server
  fi
  port=$(_pm_free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$PM_SERVICES_DIR/redis.pid" --logfile "$PM_SERVICES_DIR/redis.log" --dir "$PM_SERVICES_DIR"
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export TEST_REDIS_URL="redis://127.0.0.1:$port"
  echo "started throwaway Redis at $TEST_REDIS_URL" >&2
fi

# Both must answer now; in CI a missing service is a failure, never a skip.
node -e '
const net=require("net");
const check=(name,url)=>new Promise((ok,fail)=>{const u=new URL(url);const s=net.connect(+u.port||(u.protocol.startsWith("postgres")?5432:6379),u.hostname,()=>{s.end();ok()});s.on("error",e=>fail(new Error(name+" at "+url+" unreachable: "+e.message)))});
Promise.all([check("PostgreSQL",process.env.TEST_DATABASE_URL),check("Redis",process.env.TEST_REDIS_URL)]).catch(e=>{console.error("error: "+e.message);process.exit(1)});
'
