// One headless Chromium for many pages: the worker behind domains/browser.py (read its docstring).
//
//   node browser_driver.mjs CONFIG_JSON      then one job per stdin line, one result per stdout line
//
// CONFIG_JSON: {"playwright": dir of playwright-core, "chromium": binary, "mounts": {"/url/prefix/": dir},
//               "concurrency": pages at once, "viewport": [w, h], "js_heap_mb": V8 heap of a page,
//               "cached": mounts served as immutable, "containment": "netns" | "proxy" (what browser.py chose)}
// A job: {"id", "url" (a path under a mount), "done_expr" (JS truthy when the page is done),
//         "result_expr" (JS whose JSON value is returned), "partial_expr" (the same after a timeout),
//         "load_seconds" (to open and load the page), "seconds" (from load until done: the page's time
//         limit), "screenshot" (png path)}
// A result: {"id", "status": ok | timeout | crashed | driver_error, "result", "page_errors", "console_errors",
//            "blocked" (requests to anything but the served origin), "dialogs", "navigations", "seconds"}
// Each of the `concurrency` slots has its own browser context (own renderer process) and opens a fresh
// page per job in it, so the pinned library comes from that context's HTTP and code cache after the
// first page; a page that times out, crashes or fails takes its slot's context with it (a new one is
// made), so a page stuck in an endless loop never blocks another slot.
// Containment (docs/containment.md): domains/browser.py starts this worker in a network namespace of its
// own when it can (cfg.containment "netns": only loopback, this server and the browser live there). In
// every mode the browser also sends everything but the served origin to a dead proxy of this worker's
// own (it accepts and drops each connection, so nothing else listening can be reached through it), with
// loopback no longer bypassing it (`<-loopback>`) and WebRTC's UDP outside the proxy disabled. Requests
// off the origin are recorded as blocked. No route interception: Playwright turns the HTTP cache off
// when routing is on, and the network layer already stops them before a byte leaves.
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.argv[2]);
const { chromium } = await import(pathToFileURL(path.join(cfg.playwright, 'index.mjs')).href);
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.json': 'application/json',
  '.png': 'image/png', '.css': 'text/css', '.wasm': 'application/wasm' };

function serve(req, res) {
  const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  for (const [prefix, dir] of Object.entries(cfg.mounts)) {
    if (!url.startsWith(prefix)) continue;
    const file = path.resolve(dir, '.' + url.slice(prefix.length - 1));
    if (!file.startsWith(path.resolve(dir))) break;
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404); res.end('not found'); return; }
      const cache = (cfg.cached || []).includes(prefix) ? 'public, max-age=86400, immutable' : 'no-store';
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': cache });
      res.end(data);
    });
    return;
  }
  res.writeHead(404); res.end('not found');
}

const server = http.createServer(serve);
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const port = server.address().port;
const origin = `http://127.0.0.1:${port}`;
const proxy = net.createServer((sock) => sock.destroy());   // the dead proxy: nothing passes it
await new Promise((ok) => proxy.listen(0, '127.0.0.1', ok));

const browser = await chromium.launch({
  executablePath: cfg.chromium, headless: true, chromiumSandbox: false,
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--proxy-server=http://127.0.0.1:${proxy.address().port}`, `--proxy-bypass-list=<-loopback>;127.0.0.1:${port}`,
    '--webrtc-ip-handling-policy=disable_non_proxied_udp',   // this switch takes effect, --force-webrtc-... does not
    `--js-flags=--max-old-space-size=${cfg.js_heap_mb || 512}`],
});

function send(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }

const RECYCLE_AFTER = 40;   // pages per context before a fresh one (bounds what a context accumulates)
const slots = [];
async function context(i) {
  if (!slots[i] || slots[i].used >= RECYCLE_AFTER) {
    if (slots[i]) await retire(i);
    slots[i] = { ctx: await browser.newContext({ viewport: { width: cfg.viewport[0], height: cfg.viewport[1] },
      serviceWorkers: 'block' }), used: 0 };
  }
  slots[i].used++;
  return slots[i].ctx;
}
async function retire(i) {
  const s = slots[i];
  slots[i] = null;
  if (s) await withTimeout(s.ctx.close(), 5000).catch(() => {});
}

async function runJob(job, slot) {
  const t0 = Date.now();
  const out = { id: job.id, status: 'ok', result: null, page_errors: [], console_errors: [], blocked: [],
    dialogs: [], navigations: [], seconds: 0, timings: {} };
  const ctx = await context(slot);
  let crashed = false;
  let page = null;
  try {
    page = await ctx.newPage();
    page.on('pageerror', (e) => out.page_errors.push(String(e && e.stack || e).slice(0, 2000)));
    page.on('console', (m) => { if (m.type() === 'error') out.console_errors.push(m.text().slice(0, 2000)); });
    page.on('dialog', (d) => { out.dialogs.push(`${d.type()}: ${d.message()}`.slice(0, 300)); d.dismiss().catch(() => {}); });
    page.on('crash', () => { crashed = true; });
    page.on('request', (r) => { const u = r.url(); if (!u.startsWith(origin + '/') && !/^(data|blob):/.test(u)) out.blocked.push(u.slice(0, 200)); });
    let loaded = false;
    page.on('framenavigated', (f) => {
      if (f !== page.mainFrame()) return;
      if (loaded) out.navigations.push(f.url().slice(0, 200));
      loaded = true;
    });
    // three budgets: opening and loading (load_seconds: slow on a busy machine, not the page's fault),
    // running until the page says it is done (seconds: an endless loop ends here), the screenshot
    let deadline = t0 + (job.load_seconds || 60) * 1000;
    const left = () => Math.max(1, deadline - Date.now());
    const mark = (k) => { out.timings[k] = (Date.now() - t0) / 1000; };
    mark('page');
    // Playwright's own timeouts are not enough: a renderer stuck in a busy loop kept waitForFunction
    // waiting far past its timeout (seen: minutes), so each wait is also raced against a timer of ours
    await withTimeout(page.goto(origin + job.url, { waitUntil: 'load', timeout: left() }), left() + 1000);
    mark('loaded');
    deadline = Date.now() + job.seconds * 1000;
    await withTimeout(page.waitForFunction(job.done_expr, null, { timeout: left(), polling: 50 }), left() + 1000);
    mark('done');
    deadline = Date.now() + 15000;
    out.result = await withTimeout(page.evaluate(`JSON.stringify(${job.result_expr})`), left()).then(JSON.parse);
    if (job.screenshot) await page.screenshot({ path: job.screenshot, timeout: left() });
    mark('screenshot');
  } catch (e) {
    out.status = crashed ? 'crashed' : (/Timeout|timed out/i.test(String(e)) ? 'timeout' : 'driver_error');
    out.detail = String(e && e.message || e).split('\n')[0].slice(0, 500);
    if (!crashed && page) {   // what the page had got to, when it still answers (a busy loop does not)
      out.partial = await withTimeout(page.evaluate(`JSON.stringify(${job.partial_expr || 'null'})`), 1000)
        .then(JSON.parse).catch(() => null);
    }
  }
  if (crashed) out.status = 'crashed';
  out.seconds = (Date.now() - t0) / 1000;
  if (out.status !== 'ok') await retire(slot);
  else await withTimeout(page.close(), 5000).catch(() => retire(slot));
  return out;
}

function withTimeout(p, ms) {
  let timer;
  return Promise.race([p, new Promise((_, bad) => { timer = setTimeout(() => bad(new Error('timed out')), ms); })])
    .finally(() => clearTimeout(timer));
}

// bounded concurrency: one job per slot at a time, results in completion order
const free = Array.from({ length: cfg.concurrency }, (_, i) => i);
const queue = [];
function pump() {
  while (free.length && queue.length) {
    const job = queue.shift();
    const slot = free.shift();
    runJob(job, slot).catch((e) => ({ id: job.id, status: 'driver_error', detail: String(e) }))
      .then((r) => { free.push(slot); send(r); pump(); });
  }
}

send({ ready: true, origin, version: browser.version(), containment: cfg.containment || 'proxy' });
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => { if (line.trim()) { queue.push(JSON.parse(line)); pump(); } });
rl.on('close', async () => {
  const wait = () => (free.length < cfg.concurrency || queue.length) ? setTimeout(wait, 50)
    : browser.close().then(() => process.exit(0));
  wait();
});
