#!/usr/bin/env python3
"""Validate SBOM documents against the official JSON schemas, offline.

usage: sbom-validate.py SCHEMA_DIR FILE...

SCHEMA_DIR holds spdx-2.3.schema.json and cyclonedx-1.5/ (bom-1.5, spdx and
jsf-0.82 schemas; bom-1.5 refers to the other two by relative name, so they
are registered under their $id and file name and nothing is fetched).  Each
FILE is recognised by its content (spdxVersion / bomFormat).  Beyond the
schemas, identifiers (SPDXID, bom-ref) must be unique and relationships and
dependencies must name existing ones.  Prints one
line per file, "ok FILE" or "FAIL FILE: <path in document>: <message>", and
exits 1 when any fails, 2 when the validator cannot run (no jsonschema, no
schemas), so that callers can tell "invalid" from "cannot check".
"""
import json
import os
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def make_validator(schema, extra):
    """A Draft 7 validator for schema that resolves $refs to the documents in
    extra ({uri: document}) without any network access."""
    import jsonschema

    kwargs = {"format_checker": jsonschema.Draft7Validator.FORMAT_CHECKER}
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7

        resources = []
        for uri, doc in extra.items():
            resources.append((uri, Resource.from_contents(doc, default_specification=DRAFT7)))
        kwargs["registry"] = Registry().with_resources(resources)
    except ImportError:  # jsonschema < 4.18
        kwargs["resolver"] = jsonschema.RefResolver.from_schema(schema, store=dict(extra))
    return jsonschema.Draft7Validator(schema, **kwargs)


def validators(schema_dir):
    spdx = load(os.path.join(schema_dir, "spdx-2.3.schema.json"))
    cdir = os.path.join(schema_dir, "cyclonedx-1.5")
    bom = load(os.path.join(cdir, "bom-1.5.schema.json"))
    extra = {}
    for name in ("spdx.schema.json", "jsf-0.82.schema.json", "bom-1.5.schema.json"):
        doc = load(os.path.join(cdir, name))
        extra[doc.get("$id", name)] = doc
        # relative refs resolve against bom-1.5's $id
        extra["http://cyclonedx.org/schema/" + name] = doc
    return {
        "spdx": make_validator(spdx, {}),
        "cyclonedx": make_validator(bom, extra),
    }


def references(kind, doc):
    """What the schemas cannot check: identifiers are unique and every
    relationship / dependency names one that exists."""
    problems = []
    if kind == "spdx":
        ids = ["SPDXRef-DOCUMENT"] + [p["SPDXID"] for p in doc.get("packages", [])]
        for rel in doc.get("relationships", []):
            for key in ("spdxElementId", "relatedSpdxElement"):
                if rel[key] not in ids:
                    problems.append("relationships: unknown element %r" % rel[key])
    else:
        ids = []

        def walk(comps):
            for c in comps:
                if "bom-ref" in c:
                    ids.append(c["bom-ref"])
                walk(c.get("components", []))

        meta = doc.get("metadata", {}).get("component")
        walk([meta] if meta else [])
        walk(doc.get("components", []))
        for dep in doc.get("dependencies", []):
            for ref in [dep["ref"]] + dep.get("dependsOn", []):
                if ref not in ids:
                    problems.append("dependencies: unknown bom-ref %r" % ref)
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        problems.append("identifiers used more than once: %s" % ", ".join(dups))
    return problems


def kind_of(doc):
    if isinstance(doc, dict) and doc.get("spdxVersion") == "SPDX-2.3":
        return "spdx"
    if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX" and doc.get("specVersion") == "1.5":
        return "cyclonedx"
    return None


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("cannot validate: python3 has no jsonschema module", file=sys.stderr)
        return 2
    try:
        vals = validators(argv[1])
    except OSError as e:
        print("cannot validate: %s" % e, file=sys.stderr)
        return 2
    failed = 0
    for path in argv[2:]:
        try:
            doc = load(path)
        except (OSError, ValueError) as e:
            print("FAIL %s: %s" % (path, e))
            failed += 1
            continue
        kind = kind_of(doc)
        if not kind:
            print("FAIL %s: neither SPDX 2.3 nor CycloneDX 1.5" % path)
            failed += 1
            continue
        errors = sorted(vals[kind].iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            failed += 1
            for e in errors[:10]:
                where = "/".join(str(p) for p in e.absolute_path) or "(root)"
                print("FAIL %s: %s: %s" % (path, where, e.message[:300]))
        elif references(kind, doc):
            failed += 1
            for msg in references(kind, doc):
                print("FAIL %s: %s" % (path, msg))
        else:
            print("ok %s (%s)" % (path, kind))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
