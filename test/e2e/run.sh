#!/usr/bin/env bash
# End-to-end suites of RECODE in a real VS Code (code-server from npm) driven by Debian chromium:
# builds and packages the extension (VSIX), starts the scripted model servers and code-server on
# 127.0.0.1 (own process group, isolated HOME and profile), installs the VSIX, runs the UI suite and
# the in-host suite, always stops everything, and prints `N passed, N failed` as its last line.
#
# usage: test/e2e/run.sh            (npm run test:e2e)
# env:   RECODE_E2E_TOOLS   the rig's cache folder (default /var/cache/recode-e2e; installed by scripts/setup-e2e.sh)
#        RECODE_E2E_ONLY=rig   check the rig only (code-server, chromium, the in-host payload): no extension needed
#        RECODE_E2E_ONLY=ui | inhost   run one suite only
#        RECODE_E2E_BREAK=<command id>   deliberately break that command in a copy of the VSIX (must make the suites fail)
#        RECODE_E2E_KEEP=1  keep the run folder (profile, logs) under $TMPDIR
#        RECODE_E2E_SKIP_BUILD=1   the caller has just run `npm run build` and `tsc -p tsconfig.test.json`
# Artifacts (screenshots, logs, results): test-artifacts/e2e/ of the repository.
set -uo pipefail
{ # the whole script is one block: bash reads it entirely before running, so editing it mid-run is safe

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=${RECODE_E2E_TOOLS:-/var/cache/recode-e2e}
ART="$ROOT/test-artifacts/e2e"
ONLY=${RECODE_E2E_ONLY:-all}
BREAK=${RECODE_E2E_BREAK:-}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/recode-e2e.XXXXXX")

CSPID= MODELPID= MEMPID=
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
say() { echo "e2e: $*"; }

stop_all() {
  [ -n "$MEMPID" ] && kill "$MEMPID" 2>/dev/null
  if [ -n "$CSPID" ]; then          # the whole group: code-server, its extension hosts, watchers, pty host
    kill -TERM -- "-$CSPID" 2>/dev/null
    for _ in $(seq 50); do pgrep -g "$CSPID" >/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$CSPID" 2>/dev/null
  fi
  if [ -n "$MODELPID" ]; then   # TERM: it writes the requests it saw to the artifacts
    kill -TERM "$MODELPID" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$MODELPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MODELPID" 2>/dev/null
  fi
  # the profile's logs (extension host, the RECODE output channel) are worth keeping
  [ -d "$RUN/ud/logs" ] && cp -r "$RUN/ud/logs" "$ART/vscode-logs" 2>/dev/null
  CSPID= MODELPID= MEMPID=
  if [ -z "${RECODE_E2E_KEEP:-}" ]; then rm -rf "$RUN"; else say "run folder kept: $RUN" >&2; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

abort() {   # a failure before the suites ran: one failed test, said plainly
  echo "e2e: $*" >&2
  stop_all; trap - EXIT
  echo "0 passed, 1 failed"
  exit 1
}

# One real VS Code at a time on this machine: two runs would starve each other (2 cores) and share
# test-artifacts/e2e. A second run waits for the first. (Not the file callers lock around this
# script, /tmp/recode-e2e.lock: a `flock /tmp/recode-e2e.lock bash run.sh` would wait for itself.)
exec 8>"${TMPDIR:-/tmp}/recode-e2e-run.lock"
if ! flock -n 8; then
  say "another e2e run is going on this machine; waiting for it to end (at most 20 min)"
  flock -w 1200 8 || abort "gave up waiting for the other e2e run (lock ${TMPDIR:-/tmp}/recode-e2e-run.lock)"
fi
rm -rf "$ART"; mkdir -p "$ART"

# isolated environment for code-server and chromium: nothing lands in the real HOME
# and no network: EXTENSIONS_GALLERY={} leaves code-server without a gallery (it queries open-vsx.org otherwise)
ISO=(env HOME="$RUN/home" XDG_DATA_HOME="$RUN/home/.local/share" XDG_CONFIG_HOME="$RUN/home/.config" XDG_CACHE_HOME="$RUN/home/.cache"
  EXTENSIONS_GALLERY='{}')
mkdir -p "$RUN/home" "$RUN/ud/User" "$RUN/exts"; : > "$RUN/config.yaml"

# 1. the rig --------------------------------------------------------------------------------------
s=$(now)
bash "$ROOT/scripts/setup-e2e.sh" > "$ART/setup.log" 2>&1 || { tail -20 "$ART/setup.log" >&2; abort "rig set-up failed (scripts/setup-e2e.sh; log: $ART/setup.log)"; }
say "rig ready ($(secs "$s") s)"
CS_BIN="$T/node_modules/.bin/code-server"
CS_ARGS=(--config "$RUN/config.yaml" --user-data-dir "$RUN/ud" --extensions-dir "$RUN/exts")

# 2. build: bundles + compiled tests (out/test/e2e/**, out/test/support/**) ------------------------
s=$(now)
if [ "$ONLY" = rig ] || [ -n "${RECODE_E2E_SKIP_BUILD:-}" ]; then
  : > "$ART/build.log"   # the rig check needs no bundle; SKIP_BUILD: the caller has just built
else
  (cd "$ROOT" && npm run -s build) > "$ART/build.log" 2>&1 || { tail -30 "$ART/build.log" >&2; abort "npm run build failed (log: $ART/build.log)"; }
fi
if [ -z "${RECODE_E2E_SKIP_BUILD:-}" ] && ! (cd "$ROOT" && npx tsc -p tsconfig.test.json) >> "$ART/build.log" 2>&1; then
  # tsc still emits; a type error elsewhere in the project must not hide the e2e results
  say "warning: tsc -p tsconfig.test.json reported errors (see $ART/build.log); using what it emitted"
fi
for f in out/test/e2e/ui/main.js out/test/e2e/inhost/launch.js out/test/e2e/inhost/index.js out/test/e2e/model/server.js out/test/e2e/lm-provider/extension.js; do
  [ -f "$ROOT/$f" ] || abort "missing $f after the build"
done
say "build ($(secs "$s") s)"

# 3. package the extension; the in-host suite loads the unpacked VSIX, so both suites test what ships
s=$(now)
if [ "$ONLY" = rig ]; then
  EXT="$RUN/stub-extension"; mkdir -p "$EXT"
  echo '{ "name": "rig-check", "publisher": "recode-e2e", "version": "0.0.0", "engines": { "vscode": "*" } }' > "$EXT/package.json"
  say "rig check only: no extension packaged"
else
  [ -f "$ROOT/dist/extension.js" ] || abort "dist/extension.js was not built (no src/extension/extension.ts yet?); RECODE_E2E_ONLY=rig checks the rig alone"
  VSCE_ARGS=(--no-dependencies --skip-license --allow-missing-repository -o "$RUN/recode.vsix")
  # with no repository in package.json vsce refuses README's relative images: give it a base for this test VSIX
  node -e 'process.exit(require(process.argv[1]).repository ? 0 : 1)' "$ROOT/package.json" \
    || VSCE_ARGS+=(--baseContentUrl https://recode.invalid/ --baseImagesUrl https://recode.invalid/)
  (cd "$ROOT" && npx vsce package "${VSCE_ARGS[@]}") > "$ART/vsce.log" 2>&1 < /dev/null \
    || { tail -20 "$ART/vsce.log" >&2; abort "vsce package failed (log: $ART/vsce.log)"; }
  /usr/bin/python3 - "$RUN/recode.vsix" "$RUN/vsix" "$BREAK" <<'PY' || abort "could not unpack (or break) the VSIX"
import sys, zipfile, os, re
vsix, out, brk = sys.argv[1], sys.argv[2], sys.argv[3]
zipfile.ZipFile(vsix).extractall(out)
if brk:
    # deliberate breakage for the suites' self-check: the command is still contributed but never registered
    js = os.path.join(out, 'extension', 'dist', 'extension.js')
    src = open(js, encoding='utf-8').read()
    new, n = re.subn(r'(["\'`])' + re.escape(brk) + r'\1', lambda m: m.group(1) + brk + '.deliberatelyBroken' + m.group(1), src)
    if n == 0:
        sys.exit(f'RECODE_E2E_BREAK: "{brk}" does not occur in dist/extension.js')
    open(js, 'w', encoding='utf-8').write(new)
    with zipfile.ZipFile(vsix, 'w', zipfile.ZIP_DEFLATED) as z:
        for d, _, files in os.walk(out):
            for f in files:
                p = os.path.join(d, f)
                z.write(p, os.path.relpath(p, out))
    print(f'e2e: deliberately broke {brk} ({n} occurrence(s)) in the VSIX copy')
PY
  EXT="$RUN/vsix/extension"
  say "VSIX $(du -h "$RUN/recode.vsix" | cut -f1) ($(secs "$s") s)"
  # the fake vision language model provider (test/e2e/lm-provider): a model VS Code "already has", no key
  FAKE="$RUN/fake-lm"; mkdir -p "$FAKE/replies"
  cp "$ROOT/test/e2e/lm-provider/package.json" "$ROOT/out/test/e2e/lm-provider/extension.js" "$FAKE/"
  cp "$ROOT/test/e2e/model/"*.md "$FAKE/replies/"
  (cd "$FAKE" && "$ROOT/node_modules/.bin/vsce" package --no-dependencies --skip-license --allow-missing-repository \
    --baseContentUrl https://recode.invalid/ --baseImagesUrl https://recode.invalid/ -o "$RUN/fake-lm.vsix") >> "$ART/vsce.log" 2>&1 < /dev/null \
    || { tail -20 "$ART/vsce.log" >&2; abort "packaging the fake language model provider failed (log: $ART/vsce.log)"; }
fi

# 4. the workspace copy (the repository is never modified) ----------------------------------------
WS="$RUN/workspace"
cp -r "$ROOT/test/e2e/workspace" "$WS"
for chart in fivebars.png insectsprays-bar.png nile-line.png chickwts-bar-labels.png; do cp "$ROOT/test/fixtures/charts/$chart" "$WS/"; done

# 5. the scripted model server (slow for nile-line.png: the cancel tests) ---------------------------
node "$ROOT/out/test/e2e/model/server.js" --run "$WS/nile-line.png" --requests-out "$ART/model-requests.json" \
  > "$RUN/model.out" 2> "$ART/model.err" < /dev/null 8>&- &
MODELPID=$!
for _ in $(seq 100); do grep -q '^LISTENING ' "$RUN/model.out" 2>/dev/null && break; kill -0 "$MODELPID" 2>/dev/null || break; sleep 0.1; done
MODEL_URL=$(sed -n 's/^LISTENING //p' "$RUN/model.out")
[ -n "$MODEL_URL" ] || abort "the scripted model server did not start: $(cat "$ART/model.err")"
say "model server: $MODEL_URL"

# 6. profile: user settings, the VSIX ----------------------------------------------------------------
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
SETTINGS="$RUN/ud/User/settings.json"
node - "$SETTINGS" "$MODEL_URL" "$ART/lm-requests.json" <<'JS'
const [file, baseUrl, lmRequests] = process.argv.slice(2);
require('fs').writeFileSync(file, JSON.stringify({
  'workbench.startupEditor': 'none', 'workbench.enableExperiments': false, 'workbench.tips.enabled': false,
  // AI features stay on (no chat.disableAIFeatures): with them off VS Code hides every language model from extensions
  'workbench.secondarySideBar.defaultVisibility': 'hidden', 'recodeFakeLm.requestsFile': lmRequests,
  'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false, 'git.enabled': false, 'files.hotExit': 'off',
  // VS Code in a browser saves after a delay by default; the suites check that RECODE itself never writes a notebook or an image
  'files.autoSave': 'off',
  'recode.model': 'recode-e2e-model', 'recode.candidates': 3, 'recode.rounds': 1,
  'recode.modelCritic': false, 'recode.renderer': 'python',
  'recode.renderTimeLimit': 30, 'recode.requestTimeout': 300, 'recode.numericRefinement': 4, 'recode.chartReader': false,
}, null, 2));
// recode.baseUrl and recode.pythonPath are machine-scoped (no workspace may set them): in a remote
// window such as code-server's they are read from the machine's settings, not the browser's user settings.
const machine = require('path').join(require('path').dirname(file), '..', 'Machine');
require('fs').mkdirSync(machine, { recursive: true });
require('fs').writeFileSync(require('path').join(machine, 'settings.json'), JSON.stringify({
  'recode.baseUrl': baseUrl, 'recode.pythonPath': '/usr/bin/python3',
}, null, 2));
JS
if [ "$ONLY" != rig ]; then
  s=$(now)
  PATH="$T/node24/bin:$PATH" "${ISO[@]}" "$CS_BIN" "${CS_ARGS[@]}" --install-extension "$RUN/recode.vsix" --install-extension "$RUN/fake-lm.vsix" > "$ART/install-extension.log" 2>&1 \
    || { cat "$ART/install-extension.log" >&2; abort "code-server --install-extension failed"; }
  say "VSIX installed ($(secs "$s") s)"
fi

node - "$RUN/e2e-config.json" <<JS
require('fs').writeFileSync(process.argv[2], JSON.stringify({
  serverUrl: 'http://127.0.0.1:$PORT', port: $PORT, workspace: '$WS', repo: '$ROOT', artifacts: '$ART',
  userSettings: '$SETTINGS', extensionPath: '$EXT', only: '$ONLY',
  model: { url: '$MODEL_URL', apiKey: 'sk-recode-e2e-4f1c2a', name: 'recode-e2e-model' },
}, null, 2));
JS
export RECODE_E2E_CONFIG="$RUN/e2e-config.json"
cp "$RUN/e2e-config.json" "$ART/e2e-config.json"

# 7. code-server, in its own process group --------------------------------------------------------
# The UI suite gets a plain server (with enable-smoke-test-driver the workbench shows no notification
# toasts, and users see toasts); the in-host suite needs that option (else the test payload is
# ignored), so the server is restarted for it: same profile, same port.
start_cs() {   # extra code-server args...
  local s; s=$(now)
  PATH="$T/node24/bin:$PATH" setsid "${ISO[@]}" "$CS_BIN" "${CS_ARGS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none \
    --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
    --reconnection-grace-time 5 "$@" "$WS" >> "$ART/code-server.log" 2>&1 < /dev/null 8>&- &
  CSPID=$!
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; kill -0 "$CSPID" 2>/dev/null || break; sleep 0.1; done
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || abort "code-server did not answer /healthz within 30 s (log: $ART/code-server.log)"
  say "code-server on 127.0.0.1:$PORT${*:+ ($*)} ($(secs "$s") s)"
  # peak RSS (MB) of code-server's process group and of the suite's chromium, kept over restarts
  ( peak_cs=0; peak_ch=0; [ -f "$RUN/mem" ] && read -r peak_cs peak_ch < "$RUN/mem"
    while kill -0 "$CSPID" 2>/dev/null; do
      cs=$(ps -o rss= -g "$CSPID" 2>/dev/null | awk '{s+=$1} END {print int(s/1024)}')
      ch=$(pgrep -f 'recode-e2e-chromium-' | xargs -r ps -o rss= -p 2>/dev/null | awk '{s+=$1} END {print int(s/1024)}')
      [ "${cs:-0}" -gt "$peak_cs" ] && peak_cs=$cs; [ "${ch:-0}" -gt "$peak_ch" ] && peak_ch=$ch
      echo "$peak_cs $peak_ch" > "$RUN/mem.tmp" && mv "$RUN/mem.tmp" "$RUN/mem"; sleep 0.5
    done ) 8>&- &
  MEMPID=$!
}
stop_cs() {
  kill "$MEMPID" 2>/dev/null; MEMPID=
  kill -TERM -- "-$CSPID" 2>/dev/null
  for _ in $(seq 50); do pgrep -g "$CSPID" >/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$CSPID" 2>/dev/null; CSPID=
}

# 8. the suites ---------------------------------------------------------------------------------------
count() {   # "<suite>: N passed, N failed" from a log → "N M"
  sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p" "$2" | tail -1
}
ui_pass=0; ui_fail=0; ui_secs=0; ih_pass=0; ih_fail=0; ih_secs=0
if [ "$ONLY" != inhost ]; then
  s=$(now)
  start_cs
  echo "UI suite:"
  "${ISO[@]}" timeout 900 node "$ROOT/out/test/e2e/ui/main.js" --run 2>&1 | tee "$ART/ui.log"
  read -r ui_pass ui_fail <<< "$(count ui "$ART/ui.log")"; [ -n "${ui_pass:-}" ] || { ui_pass=0; ui_fail=1; }
  ui_secs=$(secs "$s")
  stop_cs
fi
if [ "$ONLY" != ui ]; then
  s=$(now)
  start_cs --vscode-option enable-smoke-test-driver
  echo "in-host suite:"
  "${ISO[@]}" timeout 700 node "$ROOT/out/test/e2e/inhost/launch.js" --run 2>&1 | tee "$ART/inhost.log"
  read -r ih_pass ih_fail <<< "$(count inhost "$ART/inhost.log")"; [ -n "${ih_pass:-}" ] || { ih_pass=0; ih_fail=1; }
  ih_secs=$(secs "$s")
fi

read -r peak_cs peak_ch < "$RUN/mem" 2>/dev/null || { peak_cs=?; peak_ch=?; }
stop_all; trap - EXIT
say "UI suite ${ui_secs} s, in-host suite ${ih_secs} s; peak RSS: code-server tree ${peak_cs} MB, chromium ${peak_ch} MB; artifacts: $ART"
pass=$((ui_pass + ih_pass)); fail=$((ui_fail + ih_fail))
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
exit
}
