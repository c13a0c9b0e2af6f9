// Builds the app into ../build/web: the bundle (esbuild: JSX with
// Preact, CSS, minified, content-hashed under assets/), index.html, the
// PWA manifest, the icons (SVG, and PNGs drawn here: no image tool
// needed) and the service worker with the app shell's file list.
// Prints the first load's compressed size and fails over the budget.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OV_WEB_OUT || join(HERE, '..', 'build', 'web');
const BUDGET = 200 * 1024; // first load, gzip

const BLUE = [0x0a, 0x3d, 0x91];
const WHITE = [0xff, 0xff, 0xff];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'icons'), { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(HERE, 'src', 'main.jsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'safari15', 'firefox100'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: 'assets/app-[hash]',
  assetNames: 'assets/[name]-[hash]',
  outdir: OUT,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outs = Object.keys(result.metafile.outputs).map((p) => relative(OUT, p));
const js = outs.find((p) => p.endsWith('.js'));
const css = outs.find((p) => p.endsWith('.css'));

// ---- icons: a white handset on the header's blue ----
const HANDSET = { cx: 0.5, cy: 0.5, r: 0.24, w: 0.11, a0: Math.PI / 4, a1: (5 * Math.PI) / 4, cap: 0.1 };

function inHandset(x, y) {
  const { cx, cy, r, w, a0, a1, cap } = HANDSET;
  const dx = x - cx;
  const dy = y - cy;
  let a = Math.atan2(dy, dx);
  if (a < -Math.PI / 2) a += 2 * Math.PI;
  const d = Math.hypot(dx, dy);
  if (a >= a0 && a <= a1 && Math.abs(d - r) <= w / 2) return true;
  for (const e of [a0, a1]) {
    const ex = cx + r * Math.cos(e);
    const ey = cy + r * Math.sin(e);
    if (Math.hypot(x - ex, y - ey) <= cap) return true;
  }
  return false;
}

function inRounded(x, y, k) {
  if (k === 0) return true;
  const cxr = Math.min(Math.max(x, k), 1 - k);
  const cyr = Math.min(Math.max(y, k), 1 - k);
  return Math.hypot(x - cxr, y - cyr) <= k;
}

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// size px; maskable: full-bleed background, handset in the safe zone.
function png(size, { maskable = false, corner = 0.2 } = {}) {
  const S = 4; // supersampling per axis
  const rows = [];
  const scale = maskable ? 0.7 : 1;
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < S; sy++)
        for (let sx = 0; sx < S; sx++) {
          const x = (px + (sx + 0.5) / S) / size;
          const y = (py + (sy + 0.5) / S) / size;
          if (!inRounded(x, y, maskable ? 0 : corner)) continue;
          bg++;
          if (inHandset(0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale)) fg++;
        }
      const n = S * S;
      const a = bg / n;
      const f = bg ? fg / bg : 0;
      const o = 1 + px * 4;
      for (let c = 0; c < 3; c++) row[o + c] = Math.round(BLUE[c] * (1 - f) + WHITE[c] * f);
      row[o + 3] = Math.round(a * 255);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function svg() {
  const { cx, cy, r, w, a0, a1, cap } = HANDSET;
  const p = (a) => [(cx + r * Math.cos(a)) * 512, (cy + r * Math.sin(a)) * 512].map((v) => v.toFixed(1));
  const [x0, y0] = p(a0);
  const [x1, y1] = p(a1);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" role="img" aria-label="Telefono Virtuale">
<rect width="512" height="512" rx="102" fill="#0a3d91"/>
<path d="M${x0} ${y0} A${r * 512} ${r * 512} 0 0 1 ${x1} ${y1}" fill="none" stroke="#fff" stroke-width="${w * 512}"/>
<circle cx="${x0}" cy="${y0}" r="${cap * 512}" fill="#fff"/>
<circle cx="${x1}" cy="${y1}" r="${cap * 512}" fill="#fff"/>
</svg>
`;
}

writeFileSync(join(OUT, 'icons', 'icon.svg'), svg());
writeFileSync(join(OUT, 'icons', 'icon-192.png'), png(192));
writeFileSync(join(OUT, 'icons', 'icon-512.png'), png(512));
writeFileSync(join(OUT, 'icons', 'maskable-512.png'), png(512, { maskable: true }));
writeFileSync(join(OUT, 'icons', 'apple-touch-icon.png'), png(180, { maskable: true }));

writeFileSync(
  join(OUT, 'manifest.webmanifest'),
  JSON.stringify(
    {
      name: 'Telefono Virtuale',
      short_name: 'Telefono',
      description: 'Ovunque: il centralino virtuale della tua azienda',
      lang: 'it',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      background_color: '#f2f4f7',
      theme_color: '#0a3d91',
      icons: [
        { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    },
    null,
    2
  ) + '\n'
);

const html = `<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#0a3d91">
<meta name="description" content="Telefono Virtuale: il centralino virtuale Ovunque">
<title>Telefono Virtuale</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/icons/icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/icons/apple-touch-icon.png">
<link rel="stylesheet" href="/${css}">
<script type="module" src="/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>Telefono Virtuale needs JavaScript.</noscript>
</body>
</html>
`;
writeFileSync(join(OUT, 'index.html'), html);

// ---- the service worker: the shell by version; /v1/ never cached ----
const shell = ['/', '/index.html', `/${js}`, `/${css}`, '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png'];
const version = createHash('sha256')
  .update(shell.join('\n') + html)
  .digest('hex')
  .slice(0, 12);
const sw = readFileSync(join(HERE, 'src', 'sw.js'), 'utf8').replace('__VERSION__', version).replace('__SHELL__', JSON.stringify(shell));
writeFileSync(join(OUT, 'sw.js'), sw);

// ---- gzip copies: ov-admin sends file.gz to browsers that take it ----
function gzipTree(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) gzipTree(p);
    else if (/\.(html|js|css|svg|webmanifest|json|map)$/.test(e.name)) writeFileSync(p + '.gz', gzipSync(readFileSync(p), { level: 9 }));
  }
}
gzipTree(OUT);

// ---- the budget: what the first load fetches, gzip-compressed ----
const first = ['index.html', js, css];
let total = 0;
for (const f of first) total += gzipSync(readFileSync(join(OUT, f)), { level: 9 }).length;
const files = readdirSync(join(OUT, 'assets')).length;
console.log(`web: built ${OUT} (${files} assets; first load ${(total / 1024).toFixed(1)} KB gzip: ${first.join(', ')})`);
if (total > BUDGET) {
  console.error(`web: first load ${total} bytes is over the ${BUDGET}-byte budget`);
  process.exit(1);
}
