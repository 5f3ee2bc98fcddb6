#!/usr/bin/env python3
"""gsimage's own layout check, for when ../shared/tools/oci-validate cannot
run: every descriptor reachable from index.json names a blob that exists
with that size and sha256, every index/manifest has a mediaType, and every
config's diff_ids match its (decompressed) layers.  With --tags prints
"REF DIGEST" per tag.  Exit 0 when the layout is valid."""
import gzip, hashlib, json, os, subprocess, sys

def blob(root, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(root, "blobs", algo, hexd)

def check_desc(root, d, problems):
    p = blob(root, d["digest"])
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
    if mt.endswith("+zstd"): return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
    return data

def walk(root, d, problems):
    data = check_desc(root, d, problems)
    if data is None: return
    mt = d.get("mediaType", "")
    if mt.endswith("index.v1+json"):
        doc = json.loads(data)
        if "mediaType" not in doc: problems.append("index without mediaType " + d["digest"])
        for m in doc.get("manifests", []): walk(root, m, problems)
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

def main():
    root = sys.argv[1]
    problems = []
    try:
        if json.load(open(os.path.join(root, "oci-layout"))) != {"imageLayoutVersion": "1.0.0"}:
            problems.append("bad oci-layout")
        idx = json.load(open(os.path.join(root, "index.json")))
    except Exception as e:
        print("layout_check: %s: %s" % (root, e)); return 1
    for m in idx.get("manifests", []): walk(root, m, problems)
    for p in problems: print("layout_check: " + p)
    if "--tags" in sys.argv:
        for m in idx.get("manifests", []):
            print(m.get("annotations", {}).get("org.opencontainers.image.ref.name", "-"), m["digest"])
    return 1 if problems else 0

sys.exit(main())
