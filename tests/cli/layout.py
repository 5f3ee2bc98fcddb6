#!/usr/bin/env python3
"""The one layout walker of the CLI tests, written independently of gsimage.

    layout.py check DIR          every descriptor reachable from index.json
                                 names a blob with that size and sha256;
                                 indexes and manifests have a mediaType; a
                                 config's diff_ids match its layers.  Exit 0
                                 when valid (the fallback when
                                 ../shared/tools/oci-validate cannot run).
    layout.py intact DIR         index.json is there and every file under
                                 blobs/sha256 hashes to its name
    layout.py tags DIR           "REF DIGEST" per index.json entry, "-" for
                                 an entry without a name, in index order
    layout.py reach DIR MODE     reachability (descriptors under config,
                                 layers, blobs, manifests and subject); a
                                 referrers-fallback tag (sha256-<hex>) is
                                 live only while its subject is.  MODE:
                                 garbage  the unreachable blobs
                                 stale    referrers tags of images gone
                                 exact    exit 0 when exactly the reachable
                                          blobs are there
    layout.py blobs DIR DIGEST   the hex of every blob of that image
                                 (indexes, manifests, configs, layers)
    layout.py parts DIR DIGEST WHAT
                                 what a registry serves of the image at
                                 DIGEST, space-separated.  WHAT:
                                 manifests  DIGEST and an index's children
                                 configs    "MANIFEST CONFIG" pairs
                                 referrers  the layout's referrers-fallback
                                            tags of those manifests
    layout.py get DIR REF WHAT [ARCH]
                                 REF is a tag or a digest; an index is
                                 narrowed to ARCH (default amd64).  WHAT:
                                 manifest, config (JSON), layers (JSON
                                 list of digests), digest (the manifest's),
                                 app-layer, app-diff-id (the last layer's)
    layout.py edit DIR PYTHON    run PYTHON with put(bytes, mt) -> desc,
                                 load(desc) -> JSON, tag(ref, desc), idx
                                 (index.json, written back) and top(ref)
                                 (the descriptor a tag names)
"""
import gzip, hashlib, json, os, re, subprocess, sys

REF = "org.opencontainers.image.ref.name"
FOLLOW = {"application/vnd.oci.image.index.v1+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.docker.distribution.manifest.v2+json"}


def path(root, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(root, "blobs", algo, hexd)


def load(root, digest):
    return json.load(open(path(root, digest)))


def index(root):
    return json.load(open(os.path.join(root, "index.json")))


def ref_name(m):
    return m.get("annotations", {}).get(REF, "")


# --- check -------------------------------------------------------------------
def check_desc(root, d, problems):
    p = path(root, d["digest"])
    if not os.path.isfile(p):
        problems.append("missing blob " + d["digest"]); return None
    data = open(p, "rb").read()
    if len(data) != d["size"]:
        problems.append("size mismatch " + d["digest"])
    if "sha256:" + hashlib.sha256(data).hexdigest() != d["digest"]:
        problems.append("digest mismatch " + d["digest"])
    return data


def uncompressed(mt, data):
    if mt.endswith("+gzip"): return gzip.decompress(data)
    if mt.endswith("+zstd"):
        return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
    return data


def check_walk(root, d, problems):
    data = check_desc(root, d, problems)
    if data is None: return
    mt = d.get("mediaType", "")
    if mt.endswith("index.v1+json"):
        doc = json.loads(data)
        if "mediaType" not in doc: problems.append("index without mediaType " + d["digest"])
        for m in doc.get("manifests", []): check_walk(root, m, problems)
    elif mt.endswith("manifest.v1+json"):
        doc = json.loads(data)
        if "mediaType" not in doc: problems.append("manifest without mediaType " + d["digest"])
        if "artifactType" in doc:  # an OCI 1.1 artifact (an SBOM): blobs, no tar
            for b in [doc["config"]] + doc.get("layers", []): check_desc(root, b, problems)
            return
        cfg = check_desc(root, doc["config"], problems)
        diff_ids = json.loads(cfg)["rootfs"]["diff_ids"] if cfg else []
        for i, l in enumerate(doc["layers"]):
            ld = check_desc(root, l, problems)
            if ld is not None and i < len(diff_ids):
                if "sha256:" + hashlib.sha256(uncompressed(l["mediaType"], ld)).hexdigest() != diff_ids[i]:
                    problems.append("diff_id mismatch " + l["digest"])


def cmd_check(root):
    problems = []
    try:
        if json.load(open(os.path.join(root, "oci-layout"))) != {"imageLayoutVersion": "1.0.0"}:
            problems.append("bad oci-layout")
        idx = index(root)
    except Exception as e:
        print("layout.py: %s: %s" % (root, e)); return 1
    for m in idx.get("manifests", []): check_walk(root, m, problems)
    for p in problems: print("layout.py: " + p)
    return 1 if problems else 0


def cmd_intact(root):
    if not os.path.isfile(os.path.join(root, "index.json")) or os.path.getsize(os.path.join(root, "index.json")) == 0:
        return 1
    d = os.path.join(root, "blobs", "sha256")
    names = os.listdir(d) if os.path.isdir(d) else []
    for n in names:
        p = os.path.join(d, n)
        if not os.path.isfile(p) or hashlib.sha256(open(p, "rb").read()).hexdigest() != n:
            print("layout.py: blob %s does not hash to its name" % n); return 1
    return 0 if names else 1


def cmd_tags(root):
    for m in index(root)["manifests"]:
        print(ref_name(m) or "-", m["digest"])
    return 0


# --- reach -------------------------------------------------------------------
def cmd_reach(root, mode):
    sha = re.compile(r"^sha256:[0-9a-f]{64}$")
    live, seen = set(), set()

    def desc(d, manifest_position):
        if not sha.match(d.get("digest", "")): return
        live.add(d["digest"])
        if not (manifest_position or d.get("mediaType") in FOLLOW) or d["digest"] in seen: return
        seen.add(d["digest"])
        walk(load(root, d["digest"]))

    def walk(doc):
        for key, pos in (("config", False), ("subject", True)):
            if isinstance(doc.get(key), dict): desc(doc[key], pos)
        for key, pos in (("layers", False), ("blobs", False), ("manifests", True)):
            for d in doc.get(key) or []: desc(d, pos)

    def is_referrers_tag(m):
        return bool(re.match(r"^sha256-[0-9a-f]{64}$", ref_name(m))) and \
            m.get("mediaType") == "application/vnd.oci.image.index.v1+json"

    idx = index(root)
    pending = [m for m in idx["manifests"] if is_referrers_tag(m)]
    for m in idx["manifests"]:
        if not is_referrers_tag(m): desc(m, True)
    walk({k: v for k, v in idx.items() if k != "manifests"})
    changed = True
    while changed:
        changed = False
        for m in list(pending):
            if "sha256:" + ref_name(m)[7:] in live:
                pending.remove(m); desc(m, True); changed = True
    if mode == "stale":
        for m in pending: print(ref_name(m))
        return 0
    present = {"sha256:" + n for n in os.listdir(os.path.join(root, "blobs", "sha256"))}
    if mode == "garbage":
        for d in sorted(present - live): print(d)
        return 0
    if mode == "exact":
        for d in sorted(present - live): print("unreachable blob left: " + d)
        for d in sorted(live - present): print("reachable blob missing: " + d)
        return 1 if present != live else 0
    sys.exit("layout.py reach: unknown mode " + mode)


# --- blobs, get ----------------------------------------------------------------
def cmd_blobs(root, top):
    seen = set()

    def walk(d):
        seen.add(d)
        doc = load(root, d)
        for m in doc.get("manifests", []): walk(m["digest"])
        if "config" in doc: seen.add(doc["config"]["digest"])
        for l in doc.get("layers", []): seen.add(l["digest"])
    walk(top)
    print("\n".join(sorted(x[7:] for x in seen)))
    return 0


def cmd_parts(root, top, what):
    mans = [top] + [c["digest"] for c in load(root, top).get("manifests", [])]
    if what == "manifests":
        out = mans
    elif what == "configs":
        out = []
        for d in mans:
            m = load(root, d)
            if "config" in m: out += [d, m["config"]["digest"]]
    elif what == "referrers":
        hexes = {d.split(":", 1)[1] for d in mans}
        out = [ref_name(e) for e in index(root).get("manifests", [])
               if ref_name(e).startswith("sha256-") and ref_name(e)[7:] in hexes]
    else:
        sys.exit("layout.py parts: unknown WHAT " + what)
    print(" ".join(out))
    return 0


def resolve(root, ref):
    if ref.startswith("sha256:"): return ref
    ds = [m for m in index(root)["manifests"] if ref_name(m) == ref]
    if len(ds) != 1:
        sys.exit("layout.py: tag %s: %d entries in index.json" % (ref, len(ds)))
    return ds[0]["digest"]


def cmd_get(root, ref, what, arch="amd64"):
    digest = resolve(root, ref)
    m = load(root, digest)
    if "manifests" in m:
        digest = [x for x in m["manifests"] if x["platform"]["architecture"] == arch][0]["digest"]
        m = load(root, digest)
    out = {
        "manifest": lambda: json.dumps(m),
        "config": lambda: json.dumps(load(root, m["config"]["digest"])),
        "layers": lambda: json.dumps([l["digest"] for l in m["layers"]]),
        "digest": lambda: digest,
        "app-layer": lambda: m["layers"][-1]["digest"],
        "app-diff-id": lambda: load(root, m["config"]["digest"])["rootfs"]["diff_ids"][-1],
    }
    if what not in out: sys.exit("layout.py get: unknown WHAT " + what)
    print(out[what]())
    return 0


# --- edit ----------------------------------------------------------------------
def cmd_edit(root, code):
    idx = index(root)

    def put(data, mt):
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(root, "blobs", "sha256", h), "wb") as f: f.write(data)
        return {"mediaType": mt, "digest": "sha256:" + h, "size": len(data)}

    def tag(ref, d):
        e = dict(d); e["annotations"] = {REF: ref}
        idx["manifests"] = [m for m in idx["manifests"] if ref_name(m) != ref] + [e]

    def top(ref):
        m = [m for m in idx["manifests"] if ref_name(m) == ref][0]
        return {k: m[k] for k in ("mediaType", "digest", "size")}

    exec(code, {"json": json, "os": os, "root": root, "idx": idx, "put": put, "tag": tag,
                "top": top, "load": lambda d: load(root, d["digest"]), "REF": REF})
    p = os.path.join(root, "index.json")
    with open(p + ".new", "w") as f: json.dump(idx, f)
    os.rename(p + ".new", p)
    return 0


def main(argv):
    cmds = {"check": cmd_check, "intact": cmd_intact, "tags": cmd_tags, "reach": cmd_reach,
            "blobs": cmd_blobs, "parts": cmd_parts, "get": cmd_get, "edit": cmd_edit}
    if len(argv) < 3 or argv[1] not in cmds:
        sys.exit(__doc__)
    return cmds[argv[1]](*argv[2:])


sys.exit(main(sys.argv))
