#!/usr/bin/env bash
# The main job: a real VS Code (code-server) in the browser, with RECODE installed and an example
# workspace of charts open. Prints the URL, then serves until Ctrl-C.
#   bash scripts/start-vscode.sh            (after scripts/setup.sh)
#   PORT=8080 RECODE_BASE_URL=… RECODE_MODEL=… RECODE_API_KEY=… bash scripts/start-vscode.sh
# The model comes from the RECODE_* variables (or the recode.* settings and "RECODE: Set API key").
# Everything lives in ${RECODE_VSCODE_HOME:-~/.cache/recode-vscode}; nothing of yours is changed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=${RECODE_E2E_TOOLS:-/var/cache/recode-e2e}
CS="$T/node_modules/.bin/code-server"
[ -x "$CS" ] || bash "$ROOT/scripts/setup-e2e.sh"
export PATH="$T/node24/bin:$PATH"
HOME_DIR=${RECODE_VSCODE_HOME:-${HOME:-/root}/.cache/recode-vscode}
PORT=${PORT:-8080}
mkdir -p "$HOME_DIR/ud/User" "$HOME_DIR/exts" "$HOME_DIR/home" "$HOME_DIR/workspace"
: > "$HOME_DIR/config.yaml"

echo "building and packaging the extension…"
(cd "$ROOT" && node esbuild.mjs && npx vsce package --no-dependencies --skip-license --allow-missing-repository \
  --baseContentUrl https://recode.invalid/ --baseImagesUrl https://recode.invalid/ -o "$HOME_DIR/recode.vsix") > "$HOME_DIR/package.log" 2>&1 \
  || { tail -20 "$HOME_DIR/package.log" >&2; echo "start-vscode: packaging failed (log: $HOME_DIR/package.log)" >&2; exit 1; }
ISO=(env HOME="$HOME_DIR/home" EXTENSIONS_GALLERY='{}')
"${ISO[@]}" "$CS" --config "$HOME_DIR/config.yaml" --user-data-dir "$HOME_DIR/ud" --extensions-dir "$HOME_DIR/exts" \
  --install-extension "$HOME_DIR/recode.vsix" --force > "$HOME_DIR/install.log" 2>&1 \
  || { cat "$HOME_DIR/install.log" >&2; echo "start-vscode: installing the extension failed" >&2; exit 1; }

# the example workspace: copy what is missing, never overwrite what is there
WS="$HOME_DIR/workspace"
for f in "$ROOT"/media/examples/* "$ROOT"/test/fixtures/charts/*.png "$ROOT"/test/e2e/workspace/charts.ipynb; do
  [ -e "$f" ] && [ ! -e "$WS/$(basename "$f")" ] && cp "$f" "$WS/"
done
SETTINGS="$HOME_DIR/ud/User/settings.json"
[ -f "$SETTINGS" ] || cat > "$SETTINGS" <<'JSON'
{ "workbench.startupEditor": "none", "telemetry.telemetryLevel": "off", "update.mode": "none",
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false,
  "security.workspace.trust.enabled": false }
JSON
# AI features stay on: with "chat.disableAIFeatures" VS Code hides Copilot's (and every provider's) models
# from RECODE. Earlier versions of this script set it in this profile; take it out again.
node -e 'const f=process.argv[1],fs=require("fs");try{const s=JSON.parse(fs.readFileSync(f,"utf8"));if("chat.disableAIFeatures" in s){delete s["chat.disableAIFeatures"];fs.writeFileSync(f,JSON.stringify(s,null,2))}}catch{}' "$SETTINGS"

URL="http://127.0.0.1:$PORT/?folder=$WS"
echo
echo "RECODE in VS Code: $URL"
echo "  right-click a chart in the explorer → \"RECODE: Derender image\" (or F1 → RECODE: …)"
if [ -z "${RECODE_BASE_URL:-}${OPENAI_API_KEY:-}" ]; then
  echo "  no endpoint configured: RECODE uses a vision model VS Code already has (sign in to GitHub Copilot, or a"
  echo "  provider extension; \"RECODE: Choose model\"), or set RECODE_BASE_URL, RECODE_MODEL and RECODE_API_KEY before"
  echo "  starting. \"RECODE: Compare program with image\" needs no model."
fi
echo "  (Ctrl-C stops it)"
exec "${ISO[@]}" "$CS" --config "$HOME_DIR/config.yaml" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$HOME_DIR/ud" --extensions-dir "$HOME_DIR/exts" "$WS"
