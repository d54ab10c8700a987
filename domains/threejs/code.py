"""A scene plan -> the reference ES module, written the way three.js's own examples are: `import * as
THREE from 'three'`, addons from 'three/addons/...', `init()` + `onWindowResize()` + `animate()`, tabs,
spaces inside parentheses. Deterministic: the same plan gives the same bytes.
"""
from __future__ import annotations

import math

from domains.threejs import catalogue as cat


def js_hex(h: str) -> str:
    return "0x" + h.lstrip("#")


def num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def geometry_args(geo: str, size: float) -> str:
    t = cat.SHAPES[geo][2]
    return t.format(s=num(size), h=num(size * 0.6), q=num(size * 0.4), r=num(size * 0.18))


def module(plan: dict) -> str:
    controls = plan["controls"]
    lines = ["import * as THREE from 'three';"]
    if controls:
        lines.append("import { OrbitControls } from 'three/addons/controls/OrbitControls.js';")
    names = "camera, scene, renderer" + (", controls" if controls else "")
    lines += ["", f"let {names};", "const meshes = [];"]
    if len(plan["groups"]) > 1:
        lines.append("const others = [];")
    lines += ["", "init();", "", "function init() {", ""]
    lines += _camera(plan) + [""] + _scene(plan) + [""] + _lights(plan) + [""] + layout(plan)
    lines += _extras(plan) + _renderer(plan) + ["", "}", ""] + _resize(plan) + [""] + _animate(plan)
    return "\n".join(lines) + "\n"


def extent(plan: dict) -> float:
    return next(k.extent for k in cat.TRAIN_KINDS + cat.EVAL_KINDS if k.name == plan["kind"])


def distance(plan: dict) -> float:
    return extent(plan) * 1.7 + 3


def center_y(plan: dict) -> float:
    n = plan["groups"][0]["count"]
    return {"tower": (n - 1) * 0.6, "staircase": (n - 1) * 0.35, "helix": (n - 1) * 0.2, "pyramid": 0.6}.get(plan["kind"], 0.0)


def _camera(plan: dict) -> list[str]:
    d = distance(plan)
    cy = center_y(plan)
    if plan["camera"] == "OrthographicCamera":
        f = num(extent(plan) * 2.6)
        return ["\tconst aspect = window.innerWidth / window.innerHeight;",
                f"\tconst frustumSize = {f};",
                "\tcamera = new THREE.OrthographicCamera( - frustumSize * aspect / 2, frustumSize * aspect / 2, "
                "frustumSize / 2, - frustumSize / 2, 0.1, 200 );",
                f"\tcamera.position.set( {num(d * 0.6)}, {num(cy + d * 0.45)}, {num(d * 0.6)} );",
                f"\tcamera.lookAt( 0, {num(cy)}, 0 );"]
    return ["\tcamera = new THREE.PerspectiveCamera( 50, window.innerWidth / window.innerHeight, 0.1, 200 );",
            f"\tcamera.position.set( 0, {num(cy + d * 0.35)}, {num(d)} );",
            f"\tcamera.lookAt( 0, {num(cy)}, 0 );"]


def _scene(plan: dict) -> list[str]:
    bg = js_hex(plan["background"][1])
    out = ["\tscene = new THREE.Scene();", f"\tscene.background = new THREE.Color( {bg} );"]
    fog = plan["fog"]
    if fog and fog["type"] == "Fog":
        d = distance(plan)
        out.append(f"\tscene.fog = new THREE.Fog( {js_hex(fog['color'])}, {num(d + 4)}, {num(d * 4)} );")
    elif fog:
        out.append(f"\tscene.fog = new THREE.FogExp2( {js_hex(fog['color'])}, 0.02 );")
    return out


def _lights(plan: dict) -> list[str]:
    k = plan["intensity"]
    out = []
    for light in plan["lights"]:
        if light == "AmbientLight":
            out.append(f"\tscene.add( new THREE.AmbientLight( 0xffffff, {num(0.6 * k)} ) );")
        elif light == "HemisphereLight":
            out += [f"\tconst hemiLight = new THREE.HemisphereLight( 0xffffff, 0x444444, {num(2 * k)} );",
                    "\themiLight.position.set( 0, 20, 0 );", "\tscene.add( hemiLight );"]
        elif light == "DirectionalLight":
            out += [f"\tconst dirLight = new THREE.DirectionalLight( 0xffffff, {num(2.5 * k)} );",
                    "\tdirLight.position.set( 5, 10, 7 );", "\tscene.add( dirLight );"]
        elif light == "PointLight":
            out += [f"\tconst pointLight = new THREE.PointLight( 0xffffff, {num(150 * k)}, 0, 2 );",
                    "\tpointLight.position.set( 0, 6, 5 );", "\tscene.add( pointLight );"]
        elif light == "SpotLight":
            out += [f"\tconst spotLight = new THREE.SpotLight( 0xffffff, {num(400 * k)} );",
                    "\tspotLight.position.set( 0, 12, 6 );", "\tspotLight.angle = Math.PI / 4;",
                    "\tspotLight.penumbra = 0.3;", "\tscene.add( spotLight );"]
    return out


def _material(g: dict, name: str) -> str:
    return f"\tconst {name} = new THREE.{g['material']}( {{ color: {js_hex(g['color'])} }} );"


def layout(plan: dict) -> list[str]:
    from domains.threejs.layouts import LAYOUTS

    g = plan["groups"]
    out = [f"\tconst geometry = new THREE.{g[0]['geometry']}( {geometry_args(g[0]['geometry'], g[0]['size'])} );",
           _material(g[0], "material")]
    if len(g) > 1:
        if g[1]["geometry"] != g[0]["geometry"]:
            out.append(f"\tconst geometry2 = new THREE.{g[1]['geometry']}( "
                       f"{geometry_args(g[1]['geometry'], g[1]['size'])} );")
        out.append(_material(g[1], "material2"))
    return out + [""] + LAYOUTS[plan["kind"]](plan) + [""]


def _extras(plan: dict) -> list[str]:
    out = []
    if plan["ground"]:
        out += ["\tconst ground = new THREE.Mesh( new THREE.PlaneGeometry( 20, 20 ), "
                f"new THREE.MeshStandardMaterial( {{ color: {js_hex(plan['ground']['color'])} }} ) );",
                "\tground.rotation.x = - Math.PI / 2;", "\tground.position.y = - 1.5;", "\tscene.add( ground );", ""]
    if "GridHelper" in plan["helpers"]:
        out += ["\tconst grid = new THREE.GridHelper( 20, 20, 0x888888, 0x444444 );", "\tgrid.position.y = - 1.49;",
                "\tscene.add( grid );", ""]
    if "AxesHelper" in plan["helpers"]:
        out += ["\tscene.add( new THREE.AxesHelper( 3 ) );", ""]
    return out


def _renderer(plan: dict) -> list[str]:
    out = ["\trenderer = new THREE.WebGLRenderer( { antialias: true } );",
           "\trenderer.setPixelRatio( window.devicePixelRatio );",
           "\trenderer.setSize( window.innerWidth, window.innerHeight );"]
    if plan["loop"] == "setAnimationLoop":
        out.append("\trenderer.setAnimationLoop( animate );")
    out.append("\tdocument.body.appendChild( renderer.domElement );")
    if plan["controls"]:
        out += ["", "\tcontrols = new OrbitControls( camera, renderer.domElement );",
                f"\tcontrols.target.set( 0, {num(center_y(plan))}, 0 );"]
        if plan["motion"] == "camera":
            out += ["\tcontrols.autoRotate = true;", "\tcontrols.autoRotateSpeed = 4;"]
        out.append("\tcontrols.update();")
    out += ["", "\twindow.addEventListener( 'resize', onWindowResize );"]
    if plan["loop"] == "raf":
        out += ["", "\tanimate();"]
    return out


def _resize(plan: dict) -> list[str]:
    if plan["camera"] == "OrthographicCamera":
        body = ["\tconst aspect = window.innerWidth / window.innerHeight;",
                "\tconst frustumSize = camera.top - camera.bottom;",
                "\tcamera.left = - frustumSize * aspect / 2;", "\tcamera.right = frustumSize * aspect / 2;"]
    else:
        body = ["\tcamera.aspect = window.innerWidth / window.innerHeight;"]
    return (["function onWindowResize() {", ""] + body +
            ["\tcamera.updateProjectionMatrix();", "\trenderer.setSize( window.innerWidth, window.innerHeight );", "", "}"])


def _animate(plan: dict) -> list[str]:
    from domains.threejs.layouts import motion_lines

    out = ["function animate() {", ""]
    if plan["loop"] == "raf":
        out += ["\trequestAnimationFrame( animate );", ""]
    out += ["\tconst time = performance.now() * 0.001;", ""]
    body = motion_lines(plan)
    if plan["motion"] == "camera" and not plan["controls"]:
        r = num(distance(plan))
        body += [f"\tcamera.position.x = Math.sin( time * 0.5 ) * {r};",
                 f"\tcamera.position.z = Math.cos( time * 0.5 ) * {r};",
                 f"\tcamera.lookAt( 0, {num(center_y(plan))}, 0 );"]
    if plan["controls"]:
        body.append("\tcontrols.update();")
    out += body + ([""] if body else []) + ["\trenderer.render( scene, camera );", "", "}"]
    return out


def ring_xz(i: int, n: int, r: float) -> tuple[float, float]:
    a = 2 * math.pi * i / n
    return r * math.cos(a), r * math.sin(a)
