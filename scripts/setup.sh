#!/usr/bin/env bash
# faultline setup (`npm run setup` in this repository, `npx faultline setup` where faultline is
# installed): installs what the harness needs, and only what is missing. Idempotent: every step
# says what it did or why it skipped; a second run does nothing.
#   1. node_modules (npm ci; this also installs the Node 24 binary the project runs on); skipped
#      where faultline is installed (FAULTLINE_SETUP_MODE=package): the project's npm did that
#   2. Debian packages: postgresql (15) and redis-server, with no system service left running, and
#      python3-flask, -psycopg2, -redis and -waitress for the foreign examples (examples/)
#   3. Go tools into the per-user cache (~/.cache/faultline, or FAULTLINE_CACHE_DIR), each in a
#      folder named by its content key (harness/tools.ts), so every project on the machine shares
#      them: toxiproxy-server (tools/toxiproxy), xk6, and k6 built with xk6
#   chromium: Debian's chromium, for the test that opens a report in a real browser (repository only)
#   xmllint: Debian's libxml2-utils, for the test that validates junit.xml against Jenkins' schema (repository only)
#   4. the docker runtime (optional, never fails the set-up): a Docker engine (Debian's docker.io,
#      dockerd started as root when none answers) and faultline's images, built without a registry
# Exit codes: 0 done, 1 a step failed, 2 something must be installed by hand (message says what).
set -euo pipefail

GO_MIN_VERSION=1.25
# Used through GOTOOLCHAIN when the installed go is 1.21..1.24 (Go fetches it via the module proxy).
GO_FALLBACK_TOOLCHAIN=go1.25.5
PG_MAJOR=15
DEBIAN_PACKAGES_PG=postgresql
DEBIAN_PACKAGES_REDIS=redis-server
DEBIAN_PACKAGES_PYTHON="python3-flask python3-psycopg2 python3-redis python3-waitress"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tools/versions.env
source "$ROOT/tools/versions.env"
SETUP_MODE=${FAULTLINE_SETUP_MODE:-repo}
if [[ $SETUP_MODE == package ]]; then
  # run by `faultline setup`, which passes the Node it runs on and the compiled harness
  NODE=${FAULTLINE_NODE:?faultline setup sets FAULTLINE_NODE}
  HARNESS="$ROOT/dist/harness" EXT=js
else
  NODE="$ROOT/node_modules/.bin/node"
  HARNESS="$ROOT/harness" EXT=ts
fi
run_harness() { "$NODE" --disable-warning=ExperimentalWarning "$HARNESS/$1.$EXT" "${@:2}"; }
TOXIPROXY_MODULE_DIR="$ROOT/tools/toxiproxy"
TOXIPROXY_VERSION=$(awk '$1 == "github.com/Shopify/toxiproxy/v2" { print $2 }' "$TOXIPROXY_MODULE_DIR/go.mod")
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"

now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
secs_since() { local ms=$(($(now_ms) - $1)); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }
say() { printf 'setup: %s\n' "$*"; }
# fail MESSAGE [EXIT_CODE]: 2 means "install something by hand", as the message says
fail() { printf 'setup: error: %s\n' "$1" >&2; exit "${2:-1}"; }

SETUP_STARTED=$(now_ms)
cd "$ROOT"

# ---------------------------------------------------------------------------------------- node
step_node() {
  if [[ $SETUP_MODE == package ]]; then
    say "node_modules: installed by your project's npm, skipped (faultline runs on $("$NODE" --version) at $NODE)"
    return
  fi
  local reason=''
  if [[ ! -d node_modules ]]; then
    reason='node_modules is missing'
  elif [[ ! -f node_modules/.package-lock.json ]]; then
    reason='node_modules/.package-lock.json is missing'
  elif [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    reason='package-lock.json is newer than node_modules'
  fi
  if [[ -z $reason ]]; then
    say "node_modules: up to date, skipped"
    return
  fi
  command -v npm >/dev/null || fail "npm not found: install Node.js >= 20 with npm (Debian: apt-get install nodejs npm)" 2
  say "node_modules: $reason: npm ci --no-audit --no-fund"
  local t0
  t0=$(now_ms)
  npm ci --no-audit --no-fund
  say "node_modules: installed in $(secs_since "$t0")"
}

# -------------------------------------------------------------------------------------- debian
online_pg_clusters() {
  command -v pg_lsclusters >/dev/null || return 0
  pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" { print $1 "/" $2 }'
}

# The packages' maintainer scripts start a system postgres and redis; we run our own on free
# ports, so keep them from starting (policy-rc.d), and stop/disable whatever starts anyway.
step_debian() {
  local missing=()
  [[ -x $PG_BIN/postgres && -x $PG_BIN/initdb ]] || missing+=("$DEBIAN_PACKAGES_PG")
  command -v redis-server >/dev/null || missing+=("$DEBIAN_PACKAGES_REDIS")
  # the foreign example (examples/notes) is a Flask app on Postgres and Redis: its local runtime needs these
  /usr/bin/python3 -c "import flask, psycopg2, redis, waitress" >/dev/null 2>&1 || missing+=($DEBIAN_PACKAGES_PYTHON)
  if ((${#missing[@]} == 0)); then
    say "debian packages: postgres $PG_MAJOR ($PG_BIN), redis-server and python3 with flask, psycopg2, redis, waitress present, skipped"
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    fail "missing Debian packages: ${missing[*]}. Install them as root: sudo apt-get install -y ${missing[*]}" 2
  fi
  command -v apt-get >/dev/null ||
    fail "missing packages: ${missing[*]} (postgres $PG_MAJOR server binaries in $PG_BIN, redis-server), and no apt-get here: install them with your package manager" 2

  local policy=/usr/sbin/policy-rc.d created_policy=''
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# written by faultline scripts/setup.sh for the duration of apt-get install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local clusters_before
  clusters_before=$(command -v pg_lsclusters >/dev/null && pg_lsclusters --no-header 2>/dev/null | awk '{ print $1 "/" $2 }' || true)

  local t0
  t0=$(now_ms)
  say "debian packages: missing ${missing[*]}: apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  say "debian packages: apt-get install -y --no-install-recommends ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [[ -n $created_policy ]]; then
    rm -f "$policy"
    trap - EXIT
  fi
  say "debian packages: installed in $(secs_since "$t0")"
  [[ -x $PG_BIN/postgres && -x $PG_BIN/initdb ]] ||
    fail "installed ${missing[*]}, but $PG_BIN/postgres is still missing: this system's postgresql is not version $PG_MAJOR; install postgresql-$PG_MAJOR" 2

  # A cluster the install created must never auto-start; one that is running now gets stopped.
  local cluster
  for cluster in $(pg_lsclusters --no-header 2>/dev/null | awk '{ print $1 "/" $2 }'); do
    if ! grep -qx "$cluster" <<<"$clusters_before" && [[ -f /etc/postgresql/$cluster/start.conf ]]; then
      echo manual >"/etc/postgresql/$cluster/start.conf"
      say "debian packages: system postgres cluster $cluster set to start manually (we run our own)"
    fi
  done
  for cluster in $(online_pg_clusters); do
    say "debian packages: stopping system postgres cluster $cluster started by the install"
    pg_ctlcluster "${cluster%/*}" "${cluster#*/}" stop || true
  done
  if [[ " ${missing[*]} " == *" $DEBIAN_PACKAGES_REDIS "* ]]; then
    if [[ -d /run/systemd/system ]]; then
      systemctl disable --now redis-server >/dev/null 2>&1 || true
      say "debian packages: system redis-server service disabled (we run our own)"
    elif pgrep -x redis-server >/dev/null 2>&1; then
      service redis-server stop >/dev/null 2>&1 || true
      say "debian packages: stopped the system redis-server started by the install"
    fi
  fi
}

# ------------------------------------------------------------------------------------------ go
GO_READY=''
# Go is only needed when a tool must be built, so a second run works without it.
ensure_go() {
  [[ -n $GO_READY ]] && return
  command -v go >/dev/null ||
    fail "go not found: Go >= $GO_MIN_VERSION is needed to build toxiproxy and k6. Install it from https://go.dev/dl/ (tar -C /usr/local -xzf go*.linux-amd64.tar.gz) and put /usr/local/go/bin on PATH" 2
  local version major minor
  version=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)
  if [[ $version =~ ^go([0-9]+)\.([0-9]+) ]]; then
    major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  else
    fail "cannot read the Go version (go env GOVERSION said '$version'); install Go >= $GO_MIN_VERSION from https://go.dev/dl/" 2
  fi
  local want_minor=${GO_MIN_VERSION#*.}
  if ((major > 1 || minor >= want_minor)); then
    say "go: $version"
  elif ((minor >= 21)); then
    export GOTOOLCHAIN=$GO_FALLBACK_TOOLCHAIN
    say "go: $version is older than $GO_MIN_VERSION: using GOTOOLCHAIN=$GOTOOLCHAIN (downloaded through the Go module proxy)"
    go version >/dev/null || fail "could not get Go toolchain $GOTOOLCHAIN; install Go >= $GO_MIN_VERSION from https://go.dev/dl/" 2
  else
    fail "go $version is too old (need >= $GO_MIN_VERSION, or >= 1.21 to fetch it automatically): install Go from https://go.dev/dl/" 2
  fi
  GO_READY=1
}

# a path as the user reads it: ~ for the home folder
shown() { [[ $1 == "$HOME"/* ]] && echo "~/${1#"$HOME"/}" || echo "$1"; }

# ----------------------------------------------------------------------------------- toxiproxy
step_toxiproxy() {
  [[ -n $TOXIPROXY_VERSION ]] || fail "no github.com/Shopify/toxiproxy/v2 requirement in $TOXIPROXY_MODULE_DIR/go.mod"
  # Its folder's name is the pin and a hash of our sources (harness/tools.ts), so editing a toxic builds anew.
  local bin="$TOXIPROXY_DIR/toxiproxy-server"
  if [[ -x $bin ]]; then
    say "toxiproxy-server: $TOXIPROXY_VERSION already built ($(shown "$bin")), skipped"
    return
  fi
  mkdir -p "$TOXIPROXY_DIR" "$TOOLS_LOGS"
  ensure_go
  local t0 log="$TOOLS_LOGS/toxiproxy-build.log"
  t0=$(now_ms)
  say "toxiproxy-server: go test + go build (Shopify/toxiproxy $TOXIPROXY_VERSION + our packet_loss and byte_counter toxics and toxic leases)"
  if ! (cd "$TOXIPROXY_MODULE_DIR" && go test -buildvcs=false ./... && go build -buildvcs=false -o "$bin.tmp" .) >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "toxiproxy-server build failed (full log: $log)"
  fi
  mv -f "$bin.tmp" "$bin"
  say "toxiproxy-server: built in $(secs_since "$t0") into $(shown "$bin")"
}

# ------------------------------------------------------------------------------------------ k6
step_xk6() {
  local bin="$XK6_DIR/xk6"
  if [[ -x $bin ]]; then
    say "xk6: $XK6_VERSION already installed, skipped"
    return
  fi
  ensure_go
  # `go install go.k6.io/xk6/cmd/xk6@v…` fails here: the proxy answers 403 to the module's
  # version list. Resolving it inside a throwaway module works. The sum database lacks
  # github.com/szkiba/efa, hence GONOSUMDB for that one path.
  local t0 mod log="$TOOLS_LOGS/xk6-build.log"
  mkdir -p "$XK6_DIR" "$TOOLS_LOGS"
  t0=$(now_ms)
  mod=$(mktemp -d "${TMPDIR:-/tmp}/faultline-xk6-XXXXXX")
  say "xk6: installing $XK6_VERSION"
  if ! (
    cd "$mod" &&
      go mod init xk6build &&
      GOFLAGS="${GOFLAGS:-} -mod=mod" GONOSUMDB=github.com/szkiba go get "go.k6.io/xk6/cmd/xk6@$XK6_VERSION" &&
      GOFLAGS="${GOFLAGS:-} -mod=mod" GONOSUMDB=github.com/szkiba GOBIN="$XK6_DIR" go install go.k6.io/xk6/cmd/xk6
  ) >"$log" 2>&1; then
    rm -rf "$mod"
    tail -n 30 "$log" >&2
    fail "xk6 install failed (full log: $log)"
  fi
  rm -rf "$mod"
  say "xk6: installed in $(secs_since "$t0")"
}

step_k6() {
  # Its folder's name is k6's and xk6's versions and a hash of the extensions' sources (harness/tools.ts).
  local bin="$K6_DIR/k6"
  if [[ -x $bin ]]; then
    say "k6: $K6_VERSION already built ($(shown "$bin")), skipped"
    return
  fi
  ensure_go
  step_xk6
  local t0 log="$TOOLS_LOGS/k6-build.log" with=() ext
  for ext in $K6_EXTENSIONS; do with+=(--with "$ext"); done
  mkdir -p "$K6_DIR"
  t0=$(now_ms)
  say "k6: building $K6_VERSION with xk6${K6_EXTENSIONS:+ and ${K6_EXTENSIONS}} (a few minutes on 2 cores; log: $log)"
  : >"$log"
  # each extension's own Go tests first: a broken output must not become the project's k6
  for ext in $K6_EXTENSIONS; do
    if ! (cd "${ext#*=}" && go test -buildvcs=false ./...) >>"$log" 2>&1; then
      tail -n 30 "$log" >&2
      fail "the tests of k6 extension ${ext%%=*} failed (full log: $log)"
    fi
  done
  if ! GONOSUMDB=github.com/szkiba "$XK6_DIR/xk6" build "$K6_VERSION" "${with[@]}" --output "$bin.tmp" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "k6 build failed (full log: $log)"
  fi
  mv -f "$bin.tmp" "$bin"
  say "k6: built in $(secs_since "$t0") into $(shown "$bin")"
}

# -------------------------------------------------------------------------------------- docker
# Optional: the local runtime works without it, so nothing here fails the set-up; every outcome
# is said in one line. FAULTLINE_DOCKER=skip leaves Docker alone.
DOCKER_LOG='' # in the cache's logs, set once the cache is known
DOCKER_READY=''

docker_answers() { command -v docker >/dev/null && timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

step_docker_engine() {
  DOCKER_LOG="$TOOLS_LOGS/dockerd.log"
  if [[ ${FAULTLINE_DOCKER:-} == skip ]]; then
    say "docker: FAULTLINE_DOCKER=skip: left alone (the docker runtime will not be available)"
    return
  fi
  if docker_answers; then
    DOCKER_READY=1
    say "docker: engine $(docker version --format '{{.Server.Version}}') answers, skipped"
    [[ $(id -u) -ne 0 ]] || command -v debootstrap >/dev/null || install_docker_packages debootstrap || true
    return
  fi
  # Decided by trying, never by /.dockerenv: on a VM that has one (a Firecracker sandbox), a root
  # dockerd runs containers fine; where it cannot, the attempt below says why in one line.
  if [[ $(id -u) -ne 0 ]]; then
    say "docker: no engine answers and this is not root, so none can be installed or started: the docker runtime is unavailable (the local runtime works; as root, npm run setup starts one)"
    return
  fi
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if ((${#missing[@]} > 0)) && ! install_docker_packages "${missing[@]}"; then
    say "docker: could not install ${missing[*]} (see above): the docker runtime is unavailable; the local runtime works"
    return
  fi
  if pgrep -x dockerd >/dev/null; then
    say "docker: a dockerd runs (pid $(pgrep -x dockerd | head -n 1)) but does not answer on its socket: not starting another; see its log. The docker runtime is unavailable until it answers"
    return
  fi
  local t0
  t0=$(now_ms)
  say "docker: no engine answers: starting dockerd as root in the background (log: $(shown "$DOCKER_LOG"))"
  # setsid + nohup: the engine outlives this script (CI keeps it for the tests)
  setsid nohup dockerd >>"$DOCKER_LOG" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 60; i++)); do
    if docker_answers; then
      DOCKER_READY=1
      say "docker: dockerd $(docker version --format '{{.Server.Version}}') started (pid $(pgrep -x dockerd | head -n 1)) and answers after $(secs_since "$t0"); it keeps running after the set-up"
      return
    fi
    pgrep -x dockerd >/dev/null || break
    sleep 0.5
  done
  tail -n 15 "$DOCKER_LOG" >&2 || true
  say "docker: dockerd did not answer within 30 s (last lines of $(shown "$DOCKER_LOG") above): the docker runtime is unavailable; the local runtime works"
}

install_docker_packages() {
  command -v apt-get >/dev/null || {
    say "docker: need $*, but there is no apt-get here: install them with your package manager"
    return 1
  }
  local t0 policy=/usr/sbin/policy-rc.d created_policy=''
  t0=$(now_ms)
  # keep the package's maintainer scripts from starting a system dockerd: we start our own
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# written by faultline scripts/setup.sh for the duration of apt-get install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  say "docker: apt-get install -y --no-install-recommends $*"
  local ok=1
  { DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } >>"$TOOLS_LOGS/docker-install.log" 2>&1 || ok=''
  [[ -z $created_policy ]] || rm -f "$policy"
  if [[ -z $ok ]]; then
    tail -n 15 "$TOOLS_LOGS/docker-install.log" >&2
    return 1
  fi
  say "docker: installed $* in $(secs_since "$t0")"
}

# The images are built by harness/runtime/images.ts (the same code the runtime uses to name them,
# so both agree on the content hashes): a debootstrap'd Debian base, then one image per part.
step_images() {
  [[ -n $DOCKER_READY ]] || return 0
  if ! run_harness build-images; then
    say "images: the build failed (see above): the docker runtime is unavailable until it succeeds; the local runtime works"
  fi
}

# ------------------------------------------------------------------------ chromium and xmllint
# Debian packages only tests need: said, not fatal, without root or apt-get (the test then skips
# outside CI; in CI, which runs this as root, they are installed).
# optional_apt <label> <probe: a command printing the tool's path when present> <what happens
# without it> <packages...>
optional_apt() {
  local label=$1 probe=$2 without=$3 found t0
  shift 3
  found=$($probe || true)
  if [[ -n $found ]]; then
    say "$label: $found present, skipped"
    return
  fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    say "$label: missing and cannot be installed here (needs root and apt-get): $without; install it with: sudo apt-get install -y $*"
    return
  fi
  t0=$(now_ms)
  say "$label: missing: apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  say "$label: apt-get install -y --no-install-recommends $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
  [[ -n $($probe || true) ]] || fail "installed Debian's $*, but $label is still missing"
  say "$label: installed in $(secs_since "$t0")"
}

# Debian's chromium (never a downloaded browser), for test/report/browser.test.ts, which opens a
# report in it headless.
CHROMIUM=/usr/bin/chromium
chromium_path() { [[ -x $CHROMIUM ]] && echo "$CHROMIUM"; }
step_chromium() { optional_apt chromium chromium_path "the report's browser test will skip" chromium fonts-liberation; }

# Debian's libxml2-utils (xmllint), for test/report/junit.test.ts, which validates junit.xml
# against Jenkins' junit-10.xsd.
step_xmllint() { optional_apt xmllint "command -v xmllint" "the junit.xml schema test will skip outside CI" libxml2-utils; }

# ------------------------------------------------------------------------------------ versions
print_versions() {
  say "versions:"
  printf '  %-17s %s\n' \
    node "$("$NODE" --version)" \
    cache "$(shown "$FAULTLINE_CACHE")" \
    k6 "$("$K6_DIR/k6" version | head -n 1)$("$K6_DIR/k6" version | awk '/^ +[a-z0-9.-]+\.[a-z]+\// { printf ", with %s", $1 }')" \
    toxiproxy-server "$("$TOXIPROXY_DIR/toxiproxy-server" -version)" \
    postgres "$("$PG_BIN/postgres" --version)" \
    redis-server "$(redis-server --version)" \
    go "$(command -v go >/dev/null && go version || echo 'not installed (only needed to build the tools)')" \
    docker "$([[ -n $DOCKER_READY ]] && docker version --format 'engine {{.Server.Version}}' || echo 'no engine (the docker runtime is unavailable; local works)')"
}

step_node
# where each tool goes: its content-keyed folder in the cache (computed by harness/tools.ts, the
# same code the harness uses to find them); `faultline setup` passes these in already
[[ -n ${TOXIPROXY_DIR:-} ]] || eval "$(run_harness tools)"
mkdir -p "$TOOLS_LOGS"
step_debian
step_toxiproxy
step_k6
if [[ $SETUP_MODE == repo ]]; then
  step_chromium
  step_xmllint
fi
step_docker_engine
step_images
print_versions
say "done in $(secs_since "$SETUP_STARTED")"
