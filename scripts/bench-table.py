#!/usr/bin/env python3
"""Tables (markdown) from criterion's estimates of the `cors` bench (median, ns)."""
import json, os, sys

root = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")

def est(group, *parts):
    # criterion turns the "/" of a bench id into "_" in its directory name
    p = os.path.join(root, group, "_".join(parts), "new", "estimates.json")
    try:
        return json.load(open(p))["median"]["point_estimate"]
    except FileNotFoundError:
        return None

def scenarios(group):
    out = []
    base = os.path.join(root, group)
    for dirpath, dirs, files in os.walk(base):
        if "new" in dirs and os.path.exists(os.path.join(dirpath, "new", "estimates.json")):
            rel = os.path.relpath(dirpath, base).replace("_", "/")
            out.append(rel)
    return out

def ordered(names):
    order = ["1-origin", "3-origins", "1000-origins", "100-patterns", "any-origin", "adversarial"]
    return sorted(set(names), key=lambda n: (order.index(n.split("/")[0]), n))

def adapter_table(group, other):
    names = ordered(n.rsplit("/", 1)[0] for n in scenarios(group))
    print(f"| scenario | none (ns) | corsair (ns) | {other} (ns) | corsair overhead (ns) | {other} overhead (ns) | ratio of overheads | ≤ 1/3 |")
    print("|---|---|---|---|---|---|---|---|")
    for n in names:
        b, c, o = (est(group, *n.split("/"), v) for v in ("baseline", "corsair", other))
        oc, oo = c - b, o - b
        r = oc / oo if oo > 0 else float("inf")
        print(f"| {n} | {b:.0f} | {c:.0f} | {o:.0f} | {oc:.0f} | {oo:.0f} | {r:.2f} | {'met' if 0 <= r <= 1/3 else 'missed'} |")

def engine_table():
    names = ordered(scenarios("engine"))
    print("| scenario | decide + into_headers (ns) |")
    print("|---|---|")
    for n in names:
        print(f"| {n} | {est('engine', *n.split('/')):.1f} |")

what = sys.argv[1] if len(sys.argv) > 1 else "all"
if what in ("all", "engine"):
    print("### engine\n"); engine_table(); print()
if what in ("all", "tower"):
    print("### tower\n"); adapter_table("tower", "tower-http"); print()
if what in ("all", "actix"):
    print("### actix\n"); adapter_table("actix", "actix-cors"); print()
