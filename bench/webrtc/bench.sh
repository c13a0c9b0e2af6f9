#!/usr/bin/env bash
# bench/webrtc (bench.mjs): browser call setup against SIPp phones. Needs
# the app's npm packages (JsSIP, playwright-core, esbuild) and Chromium.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$ROOT/scripts/web.sh" deps
exec node "$ROOT/bench/webrtc/bench.mjs" "$@"
