#!/usr/bin/env bash
# Runs the sandbox suites (test/sandbox*.test.ts, already compiled into out/) a second time as an
# unprivileged user, to prove the isolation does not depend on running as root. Needs root (it
# creates the user). Last line: `unprivileged: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
user=${RECODE_UNPRIV_USER:-recode-ci}
if [ "$(id -u)" != 0 ]; then echo "run-unprivileged: needs root (to create $user)"; echo "unprivileged: 0 passed, 1 failed"; exit 1; fi
id -u "$user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$user" || { echo "unprivileged: 0 passed, 1 failed"; exit 1; }
home=$(getent passwd "$user" | cut -d: -f6)
dir=$(mktemp -d /tmp/recode-unpriv-XXXXXX)
trap 'rm -rf "$dir"' EXIT
# a readable copy of what the tests load: the compiled tree and the runtime packages they import
mkdir -p "$dir/node_modules"
cp -a out package.json "$dir/"
for m in pyodide pngjs pixelmatch jpeg-js zod; do [ -d "node_modules/$m" ] && cp -a "node_modules/$m" "$dir/node_modules/"; done
chown -R "$user:" "$dir"
chmod 755 "$dir"
files=$(cd "$dir" && ls out/test/sandbox*.test.js)
echo "== the sandbox suites as $user (uid $(id -u "$user")): $files"
(cd "$dir" && runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" LANG=C.UTF-8 RECODE_TEST=1 \
  "$(command -v node)" --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$dir/unpriv.tap" $files)
p=$(grep -m1 -E '^# pass [0-9]+' "$dir/unpriv.tap" | awk '{print $3}')
f=$(grep -m1 -E '^# fail [0-9]+' "$dir/unpriv.tap" | awk '{print $3}')
c=$(grep -m1 -E '^# cancelled [0-9]+' "$dir/unpriv.tap" | awk '{print $3}')
p=${p:-0}; f=$(( ${f:-0} + ${c:-0} ))
[ "$p" = 0 ] && [ "$f" = 0 ] && f=1
echo "unprivileged: $p passed, $f failed"
[ "$f" = 0 ]
