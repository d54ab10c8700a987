"""Per scene kind: the code that places the meshes (main group in `meshes`, second group in `others`) and
the lines of `animate()` that move them. Written as loops over a count, like the three.js examples.
"""
from __future__ import annotations

import random

from domains.threejs.code import num


def _geo2(plan: dict) -> str:
    g = plan["groups"]
    return "geometry2" if g[1]["geometry"] != g[0]["geometry"] else "geometry"


def _loop(n: int, body: list[str], var: str = "i") -> list[str]:
    return [f"\tfor ( let {var} = 0; {var} < {n}; {var} ++ ) {{", ""] + ["\t" + b for b in body] + ["", "\t}"]


def _add(target: str = "meshes", geo: str = "geometry", mat: str = "material") -> list[str]:
    return [f"\tconst mesh = new THREE.Mesh( {geo}, {mat} );"], [f"\tscene.add( mesh );", f"\t{target}.push( mesh );"]


def _single(pos: str, target="meshes", geo="geometry", mat="material", name="mesh") -> list[str]:
    return [f"\tconst {name} = new THREE.Mesh( {geo}, {mat} );"] + ([f"\t{name}.position.set( {pos} );"] if pos else []) + \
        [f"\tscene.add( {name} );", f"\t{target}.push( {name} );"]


def centerpiece(plan):
    return _single("")


def row(plan):
    n = plan["groups"][0]["count"]
    head, tail = _add()
    return _loop(n, head + [f"\tmesh.position.x = ( i - {num((n - 1) / 2)} ) * 2.2;"] + tail)


def grid(plan):
    n = plan["groups"][0]["count"]
    cols = {4: 2, 6: 3, 9: 3}[n]
    rows = n // cols
    head, tail = _add()
    return _loop(n, head + [f"\tmesh.position.x = ( i % {cols} - {num((cols - 1) / 2)} ) * 2.4;",
                            f"\tmesh.position.z = ( Math.floor( i / {cols} ) - {num((rows - 1) / 2)} ) * 2.4;"] + tail)


def ring(plan):
    n = plan["groups"][0]["count"]
    head, tail = _add()
    return _loop(n, ["\tconst angle = i / %d * Math.PI * 2;" % n] + head +
                 ["\tmesh.position.set( Math.cos( angle ) * 4, 0, Math.sin( angle ) * 4 );"] + tail)


def tower(plan):
    n = plan["groups"][0]["count"]
    head, tail = _add()
    return _loop(n, head + ["\tmesh.position.y = i * 1.2;"] + tail)


def orbit(plan):
    n = plan["groups"][1]["count"]
    head, tail = _add("others", _geo2(plan), "material2")
    return _single("") + [""] + _loop(n, head + tail)


def scatter(plan):
    n = plan["groups"][0]["count"]
    rng = random.Random(f"scatter-{n}-{plan['groups'][0]['color']}-{plan['groups'][0]['geometry']}")
    pts = []
    while len(pts) < n:
        p = (round(rng.uniform(-4, 4), 1), round(rng.uniform(-0.5, 1.5), 1), round(rng.uniform(-3, 3), 1))
        if all((p[0] - q[0]) ** 2 + (p[2] - q[2]) ** 2 > 3.5 for q in pts):
            pts.append(p)
    head, tail = _add()
    return (["\tconst positions = ["] + [f"\t\t[ {num(x)}, {num(y)}, {num(z)} ]," for x, y, z in pts] + ["\t];", ""] +
            ["\tfor ( const [ x, y, z ] of positions ) {", ""] + ["\t" + b for b in head + ["\tmesh.position.set( x, y, z );"] + tail]
            + ["", "\t}"])


def two_rows(plan):
    n = plan["groups"][0]["count"]
    h1, t1 = _add()
    h2, t2 = _add("others", _geo2(plan), "material2")
    off = num((n - 1) / 2)
    return (_loop(n, h1 + [f"\tmesh.position.set( ( i - {off} ) * 2.2, 0, - 1.5 );"] + t1) + [""] +
            _loop(n, h2 + [f"\tmesh.position.set( ( i - {off} ) * 2.2, 0, 1.5 );"] + t2))


def bobbing(plan):
    return row(plan)


def staircase(plan):
    n = plan["groups"][0]["count"]
    head, tail = _add()
    return _loop(n, head + [f"\tmesh.position.set( ( i - {num((n - 1) / 2)} ) * 1.6, i * 0.7, 0 );"] + tail)


def checker(plan):
    n = plan["groups"][0]["count"] * 2
    cols = {4: 2, 6: 3, 8: 4}[n]
    rows = n // cols
    return _loop(n, ["\tconst even = ( i %% %d + Math.floor( i / %d ) ) %% 2 === 0;" % (cols, cols),
                     "\tconst mesh = new THREE.Mesh( geometry, even ? material : material2 );",
                     f"\tmesh.position.x = ( i % {cols} - {num((cols - 1) / 2)} ) * 2.2;",
                     f"\tmesh.position.z = ( Math.floor( i / {cols} ) - {num((rows - 1) / 2)} ) * 2.2;",
                     "\tscene.add( mesh );", "\t( even ? meshes : others ).push( mesh );"])


def pair(plan):
    return (_single("- 1.8, 0, 0") + [""] +
            _single("1.8, 0, 0", "others", _geo2(plan), "material2", name="mesh2"))


def helix(plan):
    n = plan["groups"][0]["count"]
    head, tail = _add()
    return _loop(n, ["\tconst angle = i * 0.9;"] + head +
                 ["\tmesh.position.set( Math.cos( angle ) * 2.5, i * 0.4, Math.sin( angle ) * 2.5 );"] + tail)


def pyramid(plan):
    n = plan["groups"][0]["count"]
    layers = 2 if n == 5 else 3
    head, tail = _add()
    body = ["\tconst side = %d - level;" % layers, "\tfor ( let i = 0; i < side * side; i ++ ) {", ""]
    body += ["\t" + b for b in head + ["\tmesh.position.set( ( i % side - ( side - 1 ) / 2 ) * 1.3, level * 1.2, "
                                       "( Math.floor( i / side ) - ( side - 1 ) / 2 ) * 1.3 );"] + tail]
    body += ["", "\t}"]
    return _loop(layers, body, var="level")


def wave_field(plan):
    n = plan["groups"][0]["count"]
    side = int(n ** 0.5)
    head, tail = _add()
    return _loop(n, head + [f"\tmesh.position.x = ( i % {side} - {num((side - 1) / 2)} ) * 1.8;",
                            f"\tmesh.position.z = ( Math.floor( i / {side} ) - {num((side - 1) / 2)} ) * 1.8;"] + tail)


def concentric(plan):
    n = plan["groups"][0]["count"]
    h1, t1 = _add()
    h2, t2 = _add("others", _geo2(plan), "material2")
    return (_loop(n, ["\tconst angle = i / %d * Math.PI * 2;" % n] + h1 +
                  ["\tmesh.position.set( Math.cos( angle ) * 2.2, 0, Math.sin( angle ) * 2.2 );"] + t1) + [""] +
            _loop(n, ["\tconst angle = ( i + 0.5 ) / %d * Math.PI * 2;" % n] + h2 +
                  ["\tmesh.position.set( Math.cos( angle ) * 4.6, 0, Math.sin( angle ) * 4.6 );"] + t2))


LAYOUTS = {f.__name__: f for f in (centerpiece, row, grid, ring, tower, orbit, scatter, two_rows, bobbing,
                                   staircase, checker, pair, helix, pyramid, wave_field, concentric)}


def motion_lines(plan: dict) -> list[str]:
    m, kind = plan["motion"], plan["kind"]
    if m == "spin":
        spin = ["\tfor ( const mesh of meshes ) {", "", "\t\tmesh.rotation.x = time * 0.5;",
                "\t\tmesh.rotation.y = time;", "", "\t}"]
        return spin
    if m != "move":
        return []
    if kind == "orbit":
        n = plan["groups"][1]["count"]
        return ["\tothers.forEach( ( mesh, i ) => {", "",
                f"\t\tconst angle = time + i / {n} * Math.PI * 2;",
                "\t\tmesh.position.set( Math.cos( angle ) * 4, 0, Math.sin( angle ) * 4 );", "", "\t} );"]
    if kind == "pair":
        return ["\tothers[ 0 ].position.y = Math.sin( time * 2 ) * 1.2;"]
    if kind == "wave_field":
        return ["\tfor ( const mesh of meshes ) {", "",
                "\t\tmesh.position.y = Math.sin( time * 2 + mesh.position.x * 0.8 + mesh.position.z * 0.8 ) * 0.6;",
                "", "\t}"]
    return ["\tmeshes.forEach( ( mesh, i ) => {", "", "\t\tmesh.position.y = Math.sin( time * 2 + i ) * 0.8;", "", "\t} );"]
