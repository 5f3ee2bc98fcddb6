#!/usr/bin/env python3
"""Read one image of an OCI layout (the corpus runs' helper).

layout.py extract DIR REF ARCH NAME OUT: write the binary usr/local/bin/NAME (* for
  the only one)
  of the ARCH image of tag REF (from its app layer) to OUT, mode 0755.
layout.py bytes DIR REF ARCH: print what a node pulls for that platform,
  manifest + config + compressed layers, in bytes.
"""
import io, json, os, sys, tarfile

def blob(d, dg):
    with open(os.path.join(d, "blobs", *dg.split(":")), "rb") as f:
        return f.read()

def manifest(d, ref, arch):
    idx = json.load(open(os.path.join(d, "index.json")))
    ds = [m for m in idx["manifests"]
          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
    if len(ds) != 1:
        sys.exit("tag %s: %d entries in index.json" % (ref, len(ds)))
    raw = blob(d, ds[0]["digest"])
    m = json.loads(raw)
    if "manifests" in m:
        ds = [x for x in m["manifests"] if x["platform"]["architecture"] == arch]
        if len(ds) != 1:
            sys.exit("tag %s: no %s image" % (ref, arch))
        raw = blob(d, ds[0]["digest"])
        m = json.loads(raw)
    return raw, m

def main():
    cmd, d, ref, arch = sys.argv[1:5]
    raw, m = manifest(d, ref, arch)
    if cmd == "bytes":
        print(len(raw) + m["config"]["size"] + sum(l["size"] for l in m["layers"]))
        return
    name, out = sys.argv[5:7]
    want = "usr/local/bin/" + name
    for l in reversed(m["layers"]):
        with tarfile.open(fileobj=io.BytesIO(blob(d, l["digest"])), mode="r:*") as t:
            for e in t:
                n = e.name.lstrip("./")
                if e.isfile() and (n == want or (name == "*" and n.startswith("usr/local/bin/"))):
                    with open(out, "wb") as f:
                        f.write(t.extractfile(e).read())
                    os.chmod(out, 0o755)
                    return
    sys.exit("%s: no %s in the %s image" % (ref, want, arch))

main()
