#!/usr/bin/env bash
# Install the Debian packages crmlib needs, only those missing, without asking.
#   system-deps.sh reports   fonts for Chinese chart text
#   system-deps.sh test      the above, plus a PostgreSQL server for the backend tests and
#                            Debian's chromium for the dashboards' browser tests and Java
#                            for the Spark tests
set -euo pipefail
what=${1:-test}
need=()
grep -q "Noto Sans CJK" <(fc-list 2>/dev/null) || need+=(fonts-noto-cjk fontconfig)  # no pipe: pipefail + SIGPIPE
if [ "$what" = test ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v java >/dev/null 2>&1 || need+=(default-jre-headless)  # Spark tests (Java 17)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
