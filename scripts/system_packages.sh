#!/bin/sh
# The system packages the grader and its tests use, installed where this script can:
#   bubblewrap  the sandbox student code runs in (docs/sandbox.md)
#   chromium    the feedback test renders the student's page in it (docs/testing.md)
#   postgresql  tests that start a real PostgreSQL server
# When one is missing and we are root with apt-get, it is installed quietly; otherwise one message
# says what to run. Silent when everything is there. Exits 0 either way: the caller decides
# (`.ci/run` fails when the sandbox does not work; a local `make test` skips and says so).
#
# CHROMIUM (default /usr/bin/chromium): the browser the tests drive (Debian's chromium package).
# POSTGRESQL_LIB (default /usr/lib/postgresql): where Debian puts PostgreSQL's server binaries.

missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
if ! command -v pg_ctl >/dev/null 2>&1; then
    found=""
    for pg_ctl in "${POSTGRESQL_LIB:-/usr/lib/postgresql}"/*/bin/pg_ctl; do
        [ -x "$pg_ctl" ] && found=yes
    done
    [ -n "$found" ] || missing="$missing postgresql"
fi
[ -n "$missing" ] || exit 0
missing=${missing# }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "set-up: installing $missing with apt-get (once)"
    if DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
       DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
        exit 0
    fi
    echo "set-up: apt-get could not install $missing (no network or no such package here)."
elif [ "$(id -u)" != 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "set-up: missing $missing; not root, so not installing. Run once:"
    echo "    sudo apt-get install -y $missing"
else
    echo "set-up: missing $missing, and apt-get is not available here."
    echo "    Install them with this system's package manager (bubblewrap, chromium, postgresql)."
fi
echo "    Without bubblewrap student code runs without the sandbox's private view (docs/sandbox.md);"
echo "    \`make test\` skips the checks that need these and lists them in its summary (docs/testing.md)."
exit 0
