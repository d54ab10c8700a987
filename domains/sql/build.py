"""Build the worked SQL example's data: a bookshop-like SQLite database (data/sql/shop.sql, six related
tables, deterministic rows) and question -> query items (data/sql/{train,eval}.jsonl, Alpaca format).

    .venv/bin/python domains/sql/build.py data/sql          (make data DOMAIN=sql)

Deterministic (random.Random(31); same code, same bytes). Items come from question templates, each one
query shape in a family (filter, join, group, order, nested, date). The split holds out, for eval:
whole templates (no eval question's query shape is trained on), the values they are filled with (cities,
categories, countries, years and numbers of eval items never appear in train) and the `terse` phrasing
register (train is all `plain`), and the plain-request slice (register `forum`, templates.FORUM: questions
written by hand, appended after the other eval items so a limited run (--limit) picks the same items as
before). Every reference query must run and return rows before anything is
written; ties at an ORDER BY ... LIMIT boundary are refused (the answer would be ambiguous).
"""
from __future__ import annotations

import itertools
import json
import random
import sqlite3
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from domains.sql.templates import EVAL, FORUM, POOLS, TRAIN  # noqa: E402

SCHEMA = """CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, joined DATE NOT NULL);
CREATE TABLE suppliers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category_id INTEGER REFERENCES categories(id), supplier_id INTEGER REFERENCES suppliers(id), price REAL NOT NULL, stock INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), order_date DATE NOT NULL, status TEXT NOT NULL);
CREATE TABLE order_items (order_id INTEGER REFERENCES orders(id), product_id INTEGER REFERENCES products(id), quantity INTEGER NOT NULL, unit_price REAL NOT NULL);"""
FIRST = ["Ada", "Bram", "Chloe", "Dario", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kaia", "Luca",
         "Mira", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tess"]
LAST = ["Moreau", "Berg", "Costa", "Novak", "Haas", "Okafor", "Lind", "Ruiz", "Sato", "Weber"]
ADJ = ["Classic", "Compact", "Deluxe", "Eco", "Field", "Grand", "Home", "Nordic", "Pocket", "Urban"]
NOUN = {"Books": "Atlas", "Games": "Puzzle", "Garden": "Planter", "Kitchen": "Kettle", "Music": "Ukulele",
        "Office": "Notebook", "Outdoor": "Lantern", "Toys": "Kite"}
SUPPLIERS = [("Acme Trading", "France"), ("Borealis Goods", "Norway"), ("Cedar Works", "Canada"),
             ("Delta Supply", "Germany"), ("Everfield", "Japan"), ("Fjord Import", "Norway"),
             ("Gala Crafts", "Spain"), ("Harbor Lane", "Canada"), ("Iris Makers", "Japan"), ("Juniper Co", "Spain")]
STATUSES = ("shipped", "pending", "cancelled")


def rows(rng: random.Random) -> dict:
    cities = POOLS["city"][0] + POOLS["city"][1]
    people = [f"{f} {s}" for f, s in itertools.product(FIRST, LAST)]
    rng.shuffle(people)
    customers = [(i + 1, people[i], cities[i % len(cities)], f"{2019 + i % 7}-{1 + i * 5 % 12:02d}-{1 + i * 7 % 28:02d}")
                 for i in range(72)]
    cats = list(NOUN)
    prices = rng.sample(range(300, 15000), 96)       # cents, all distinct: no ties in ORDER BY price
    stocks = rng.sample(range(0, 400), 96)
    products = [(i + 1, f"{ADJ[i % 10]} {NOUN[cats[i % 8]]} {i // 8 + 1}", i % 8 + 1, 1 + i * 7 % len(SUPPLIERS),
                 prices[i] / 100, stocks[i]) for i in range(96)]
    orders, items = [], []
    for oid in range(1, 541):
        day = rng.randrange(3 * 365)
        y, rest = 2023 + day // 365, day % 365
        orders.append((oid, rng.randrange(1, 66), f"{y}-{1 + rest // 31 % 12:02d}-{1 + rest % 28:02d}",
                       rng.choices(STATUSES, (6, 3, 1))[0]))
        for pid in rng.sample(range(1, 97), rng.randrange(1, 4)):
            items.append((oid, pid, rng.randrange(1, 10), products[pid - 1][4]))
    return {"customers": customers, "suppliers": [(i + 1, *s) for i, s in enumerate(SUPPLIERS)],
            "categories": [(i + 1, c) for i, c in enumerate(cats)], "products": products, "orders": orders,
            "order_items": items}


def sql_script(data: dict) -> str:
    def lit(v):
        return repr(v) if isinstance(v, (int, float)) else "'" + str(v).replace("'", "''") + "'"
    lines = ["-- Built by domains/sql/build.py (deterministic); do not edit.", SCHEMA]
    for table, rs in data.items():
        lines += [f"INSERT INTO {table} VALUES ({', '.join(lit(v) for v in r)});" for r in rs]
    return "\n".join(lines) + "\n"


def fill(tpl: dict, side: int) -> list[dict]:
    keys = tpl["params"]
    combos = list(itertools.product(*[POOLS[k][side] for k in keys]))
    random.Random(tpl["id"]).shuffle(combos)
    return [dict(zip(keys, c)) for c in combos[:tpl.get("max", 24 if side == 0 else 5)]]


def items_for(templates, side: int, con, registers) -> list[dict]:
    out = []
    for tpl in templates:
        for values in fill(tpl, side):
            query = tpl["sql"].format(**values)
            got = con.execute(query).fetchall()
            if " LIMIT " in query and _tie(con, query, values["n"]):
                continue  # a tie at the LIMIT boundary: more than one right answer
            if not got:
                continue
            for reg in registers:
                out.append({"instruction": tpl[reg].format(**values), "output": query + ";", "shape": tpl["family"],
                            "register": reg, "template": tpl["id"], "values": values})
    return out


def _tie(con, query: str, n: int) -> bool:
    """Whether the row after the LIMIT ties with the last one kept (the answer would be ambiguous)."""
    more = con.execute(query.replace(f"LIMIT {n}", f"LIMIT {n + 1}")).fetchall()
    return len(more) > n and more[-1][-1] == more[-2][-1]


def forum_items(con) -> list[dict]:
    """The plain-request slice: each hand-written question with its template's query on the values it
    names; a value outside the eval pools, a query without rows or a tie at LIMIT stops the build."""
    by_id, out = {t["id"]: t for t in EVAL}, []
    for tid, values, question in FORUM:
        tpl = by_id[tid]
        stray = {k: v for k, v in values.items() if v not in POOLS[k][1]}
        query = tpl["sql"].format(**values)
        rows_ = con.execute(query).fetchall()
        tie = " LIMIT " in query and _tie(con, query, values["n"])
        if stray or not rows_ or tie or set(values) != set(tpl["params"]):
            raise SystemExit(f"domains/sql/templates.py FORUM {tid}: expected the template's params {tpl['params']} "
                             f"with eval-pool values and a query with rows and no tie at LIMIT; got values "
                             f"{values}, outside the pools {stray}, {len(rows_)} rows, tie {tie}")
        out.append({"instruction": question, "output": query + ";", "shape": tpl["family"], "register": "forum",
                    "template": tid, "values": values})
    return out


def main(out_dir: str) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    script = sql_script(rows(random.Random(31)))
    con = sqlite3.connect(":memory:")
    con.executescript(script)
    train = items_for(TRAIN, 0, con, ("plain",))
    eval_ = items_for(EVAL, 1, con, ("plain", "terse")) + forum_items(con)
    shared = {t["template"] for t in train} & {t["template"] for t in eval_}
    leaked = {(k, v) for t in eval_ for k, v in t["values"].items()} & {(k, v) for t in train for k, v in t["values"].items()}
    if shared or leaked or len(train) < 400 or len(eval_) < 80:
        raise SystemExit(f"bad split: shared templates {shared}, shared values {sorted(leaked)[:5]}, "
                         f"{len(train)} train / {len(eval_)} eval (need >= 400 / 80)")
    (out / "shop.sql").write_text(script, encoding="utf-8")
    for name, side in (("train", train), ("eval", eval_)):
        (out / f"{name}.jsonl").write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in side),
                                          encoding="utf-8")
    stats = {"splits": {name: dict(sorted(Counter(it["shape"] for it in side).items()))
                        for name, side in (("train", train), ("eval", eval_))},
             "registers": {"train": dict(Counter(it["register"] for it in train)),
                           "eval": dict(Counter(it["register"] for it in eval_))},
             "templates": {"train": len(TRAIN), "eval": len(EVAL)}, "totals": {"train": len(train), "eval": len(eval_)}}
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    return stats


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "data/sql"), indent=1))
