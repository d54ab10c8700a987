// Loaded before the answer's module (domains/threejs/page.py writes the page around it). It wraps
// THREE.WebGLRenderer.prototype.render, so the scene and camera the module actually draws are captured
// (first frame and last frame), then imports the answer and marks the page done a fixed time after its
// first frame (MIN_FRAMES and MIN_MS, at most MAX_MS), or when it loaded and does not draw.
// Same `three` instance as the answer's (one import map), so the wrap is seen by the answer's renderer.
// With ?webgpu=1 (the answer imports three/webgpu or three/tsl) it also wraps the prototype `render` of
// three/webgpu's Renderer (WebGPURenderer; WebGL 2 underneath where the browser has no WebGPU). Lookups
// of page elements that find nothing are recorded (`missing`), so the validator can tell "the page
// lacks element X" from the answer's own error.
import * as THREE from 'three';

const P = new URL(import.meta.url).searchParams;   // this script's own query (page.py writes it)
const MIN_FRAMES = Number(P.get('frames') || 4);
const MIN_MS = Number(P.get('ms') || 500);
const MAX_MS = Number(P.get('max_ms') || 2000);
const NOFRAME_TICKS = Number(P.get('noframe_ticks') || 60);
const W = window.__wb = { frames: 0, first: null, last: null, done: false, import_error: null, scenes: 0, missing: [] };
let t0 = null;
let t1 = null;     // time of the first frame: the fixed time is counted from there
let main = null;   // [scene, camera, renderer] of the first THREE.Scene drawn
let lastArgs = null;

const hex = (c) => (c && c.isColor ? '#' + c.getHexString() : null);
const round = (m) => Array.from(m.elements, (v) => Math.round(v * 1e4) / 1e4);

function material(m) {
  m = Array.isArray(m) ? m[0] : m;
  if (!m) return {};
  const out = { material: m.type, color: hex(m.color), wireframe: !!m.wireframe, opacity: m.opacity };
  if (m.emissive) out.emissive = hex(m.emissive);
  return out;
}

function describe(scene, camera, renderer) {
  scene.updateMatrixWorld(true);
  const objects = [];
  let count = 0;
  scene.traverse((o) => {
    if (o === scene) return;
    count++;
    if (objects.length >= 2000) return;
    const e = { type: o.type, name: String(o.name || '').slice(0, 60), visible: o.visible, matrix: round(o.matrixWorld) };
    if (o.geometry) e.geometry = o.geometry.type;
    if (o.material) Object.assign(e, material(o.material));
    if (o.isLight) Object.assign(e, { light: o.type, color: hex(o.color), intensity: o.intensity });
    if (o.isInstancedMesh) e.instances = o.count;
    objects.push(e);
  });
  const bg = scene.background;
  const clear = new THREE.Color();
  renderer.getClearColor(clear);
  return {
    objects, count,
    background: bg ? (bg.isColor ? hex(bg) : (bg.isTexture ? 'texture' : 'other')) : null,
    clear: hex(clear), clear_alpha: renderer.getClearAlpha(),
    fog: scene.fog ? { type: scene.fog.isFogExp2 ? 'FogExp2' : 'Fog', color: hex(scene.fog.color) } : null,
    camera: camera ? { type: camera.type, matrix: (camera.updateMatrixWorld(), round(camera.matrixWorld)) } : null,
    ms: Math.round(performance.now() - t0),
  };
}

function finish() {
  if (W.done) return;
  if (main && W.frames > 1) W.last = describe(...main);
  W.done = true;
}

function wrap(render) {
  return function (scene, camera) {
    const out = render.apply(this, arguments);
    if (!scene || !scene.isScene) return out;            // e.g. a post-processing full-screen quad
    if (!main) {
      main = [scene, camera, this];
      W.first = describe(scene, camera, this);
      t1 = performance.now();
      setTimeout(finish, MAX_MS);
    }
    else if (scene !== main[0]) { W.scenes = 2; return out; }
    else main = [scene, camera, this];
    W.frames++;
    if (W.frames >= MIN_FRAMES && performance.now() - t1 >= MIN_MS) finish();
    return out;
  };
}

// WebGLRenderer assigns `this.render = function ...` in its constructor: a setter on the prototype
// turns that assignment into an own property holding the wrapped function.
Object.defineProperty(THREE.WebGLRenderer.prototype, 'render', {
  configurable: true,
  get() { return undefined; },
  set(fn) { Object.defineProperty(this, 'render', { value: wrap(fn), writable: true, configurable: true }); },
});
if (P.get('webgpu')) {
  const GPU = await import('three/webgpu');
  GPU.Renderer.prototype.render = wrap(GPU.Renderer.prototype.render);
}

// an element looked up by id or selector that the page does not have (first 20 kept)
for (const [owner, name] of [[Document.prototype, 'getElementById'], [Document.prototype, 'querySelector'],
  [Element.prototype, 'querySelector']]) {
  const find = owner[name];
  owner[name] = function (what) {
    const el = find.apply(this, arguments);
    const key = (name === 'getElementById' ? '#' : '') + String(what).slice(0, 80);
    if (el === null && W.missing.length < 20 && !W.missing.includes(key)) W.missing.push(key);
    return el;
  };
}

window.addEventListener('error', () => { W.uncaught = (W.uncaught || 0) + 1; finish(); });
window.addEventListener('unhandledrejection', () => { W.uncaught = (W.uncaught || 0) + 1; finish(); });

t0 = performance.now();
// A module that never draws: NOFRAME_TICKS animation frames after it loaded, none of them rendered.
// Counted in frames the page had free (not in wall time), so a slow shader compile on a busy machine
// is not mistaken for it.
function idle(ticks) {
  if (W.frames || W.done) return;
  if (ticks >= NOFRAME_TICKS) { finish(); return; }
  requestAnimationFrame(() => idle(ticks + 1));
}
import(new URL('scene.js', document.baseURI).href).then(() => idle(0), (e) => {
  W.import_error = String(e && e.stack || e).slice(0, 2000);
  finish();
});
