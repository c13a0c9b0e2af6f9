#!/usr/bin/env bash
# bench/webrtc: browser call setup against SIPp phones (bench.mjs), then
# concurrent browser calls and their CPU, transcoding off and on
# (load.mjs). Needs the app's npm packages (JsSIP, playwright-core,
# esbuild) and Chromium.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$ROOT/scripts/web.sh" deps
node "$ROOT/bench/webrtc/bench.mjs"
exec node "$ROOT/bench/webrtc/load.mjs" 8 10
