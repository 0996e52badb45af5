#!/usr/bin/env bash
# Starts a private MariaDB server for the @consortia/amdb MySQL tests and benchmarks.
# Idempotent: a server already answering on the socket is reused. Prints the connection
# URL on its last line, e.g. mysql://root@127.0.0.1:3307/consortia_test
#
# Needs the Debian/Ubuntu package `mariadb-server` (apt-get install -y mariadb-server).
# Environment: MARIADB_BASE (default ${TMPDIR:-/tmp}/consortia-mariadb), MARIADB_PORT (3307),
# MARIADB_DATABASE (consortia_test).
set -euo pipefail

BASE="${MARIADB_BASE:-${TMPDIR:-/tmp}/consortia-mariadb}"
PORT="${MARIADB_PORT:-3307}"
DATABASE="${MARIADB_DATABASE:-consortia_test}"
DATADIR="$BASE/data"
SOCKET="$BASE/mariadb.sock"
LOG="$BASE/mariadb.log"

for tool in mariadb-install-db mariadbd mariadb-admin mariadb; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    echo "start-mariadb: $tool not found; install it with: apt-get install -y mariadb-server" >&2
    exit 1
  fi
done
MARIADBD="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

mkdir -p "$BASE"

if ! mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1; then
  if [ ! -d "$DATADIR/mysql" ]; then
    mariadb-install-db --datadir="$DATADIR" --user=root \
      --auth-root-authentication-method=normal --skip-test-db >"$BASE/install.log" 2>&1
  fi
  # max-allowed-packet: AMDB field values may reach 16 MiB - 1 bytes.
  setsid "$MARIADBD" --no-defaults --user=root --datadir="$DATADIR" --socket="$SOCKET" \
    --port="$PORT" --bind-address=127.0.0.1 --pid-file="$BASE/mariadb.pid" \
    --max-allowed-packet=64M --innodb-flush-log-at-trx-commit=1 --skip-name-resolve \
    >"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    if mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  if ! mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1; then
    echo "start-mariadb: server did not answer within 60 s; log follows" >&2
    tail -n 40 "$LOG" >&2 || true
    exit 1
  fi
fi

# Root may log in over TCP from 127.0.0.1 without a password (a throwaway test server).
mariadb --socket="$SOCKET" -uroot -e "
  CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
  GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
  CREATE DATABASE IF NOT EXISTS \`$DATABASE\`;
  FLUSH PRIVILEGES;"

echo "mysql://root@127.0.0.1:$PORT/$DATABASE"
