#!/usr/bin/env bash
# Runs the full benchmark (`bench/run.ts full`, 16 load-generator workers by default) on a
# larger machine that cannot download anything: Node comes from a local official tarball
# (node-v20.x-linux-x64.tar.xz, xz-compressed), the repository and its node_modules are copied
# as they are here (same OS and CPU architecture: native modules are not rebuilt).
#
#   # on a machine with this checkout (pnpm install done):
#   bench/scripts/run-on-large-machine.sh pack node-v20.20.2-linux-x64.tar.xz consortia-bench.tar
#   scp consortia-bench.tar big-host:
#   # on the large machine:
#   tar -xf consortia-bench.tar && consortia-bench/repo/bench/scripts/run-on-large-machine.sh run
#
#   # or, on the large machine with a checkout and node_modules already there:
#   bench/scripts/run-on-large-machine.sh run /path/to/node-v20.20.2-linux-x64.tar.xz [work dir]
#
# `run` copies the repository (with node_modules) to the work directory, unpacks Node there,
# runs the full bench with that Node and copies bench/results/ back next to the source.
# Environment: BENCH_WORKERS (default 16), BENCH_ARGS (more arguments for bench/run.ts, e.g.
# "--loads 2000,4000,8000,12000,16000"), CONSORTIA_MYSQL_URL (adds a MariaDB chain),
# BENCH_DRY_RUN=1 (prepare and check Node, do not run the bench).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

die() {
  echo "run-on-large-machine.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

check_tarball() {
  local t="$1"
  [[ -f "$t" ]] || die "node tarball: expected a file, got '$t'"
  [[ "$t" == *.tar.xz ]] || die "node tarball: expected an official node-v*-linux-*.tar.xz, got '$t'"
  command -v xz >/dev/null || die "xz: not installed (needed to unpack $t)"
}

# Copies the repository with node_modules (pnpm's relative links kept), without old results.
copy_repo() {
  local dest="$1"
  mkdir -p "$dest"
  tar -C "$repo" --exclude='./bench/results/*' -cf - . | tar -C "$dest" -xf -
}

cmd="${1:-}"
case "$cmd" in
pack)
  [[ $# -eq 3 ]] || usage
  tarball="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
  check_tarball "$tarball"
  [[ -d "$repo/node_modules" ]] || die "no node_modules in $repo: run pnpm install first"
  out="$3"
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage/consortia-bench"
  copy_repo "$stage/consortia-bench/repo"
  cp "$tarball" "$stage/consortia-bench/"
  tar -C "$stage" -cf "$out" consortia-bench
  echo "wrote $out ($(du -h "$out" | cut -f1)); on the large machine: tar -xf $(basename "$out") && consortia-bench/repo/bench/scripts/run-on-large-machine.sh run"
  ;;
run)
  tarball="${2:-}"
  if [[ -z "$tarball" ]]; then
    # Inside a bundle made by `pack`: the tarball sits next to repo/.
    shopt -s nullglob
    found=("$repo"/../node-v*.tar.xz)
    [[ ${#found[@]} -eq 1 ]] || die "run: expected the node tarball as argument or one node-v*.tar.xz next to $repo"
    tarball="${found[0]}"
  fi
  check_tarball "$tarball"
  work="${3:-${TMPDIR:-/tmp}/consortia-bench-$(date -u +%Y%m%dT%H%M%SZ)}"
  echo "work directory: $work"
  mkdir -p "$work/node"
  tar -xJf "$tarball" -C "$work/node" --strip-components=1
  node="$work/node/bin/node"
  [[ -x "$node" ]] || die "no bin/node in $tarball"
  version="$("$node" --version)"
  major="${version#v}"
  major="${major%%.*}"
  [[ "$major" -ge 20 ]] || die "node: expected version 20 or later, got $version"
  if [[ -d "$repo/.git" || -f "$repo/package.json" ]] && [[ "$repo" != "$work/repo" ]]; then
    copy_repo "$work/repo"
  fi
  echo "node $version, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  export PATH="$work/node/bin:$PATH"
  cd "$work/repo"
  "$node" -e "import('tsx').then(() => console.log('dependencies: ok'))" ||
    die "the copied node_modules do not load with $version (other OS or architecture?)"
  if [[ "${BENCH_DRY_RUN:-0}" == "1" ]]; then
    echo "BENCH_DRY_RUN=1: prepared, not running"
    exit 0
  fi
  # shellcheck disable=SC2086
  "$node" --conditions=source --import tsx bench/run.ts full --workers "${BENCH_WORKERS:-16}" ${BENCH_ARGS:-} |
    tee "$work/bench-full.log"
  status="${PIPESTATUS[0]}"
  mkdir -p "$repo/bench/results"
  cp -r "$work/repo/bench/results/." "$repo/bench/results/"
  echo "results copied to $repo/bench/results (log: $work/bench-full.log)"
  exit "$status"
  ;;
*)
  usage
  ;;
esac
