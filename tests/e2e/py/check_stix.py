"""Checks STIX bundles the page exported, with OASIS's own tools.

usage: check_stix.py EXPORT.json BUNDLE.json [BUNDLE.json ...]

- each bundle passes stix2-validator in strict and interop modes (STIX 2.1);
- each parses with the stix2 library, custom content refused;
- the bundles merge as a TIP merges them: an id found in several bundles names the same
  object (same content, so the same `created`), and the stix2 MemoryStore takes them all;
- every value of the JSON export (the page's seed-shaped {tag type: [values]}) whose type
  STIX can express is in each bundle: as a cyber-observable's value or in a pattern.
Prints what it found; exits 1 on the first kind of failure, with the reasons.
"""
import json
import sys
from urllib.parse import unquote

import stix2
from stix2validator import ValidationOptions, print_results, validate_file

# Tag types and how STIX holds their values: as a cyber-observable ("object") or only inside
# an indicator pattern ("pattern"). Written here independently of the page's own mapping.
OBJECT_TYPES = ("ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "mac-addr")


def expressible(tag_type):
    for suffix in (".ip", ".domain", ".uri"):
        if tag_type.startswith("network.") and tag_type.endswith(suffix):
            return "object"
    if tag_type in ("network.email.address", "network.tls.sni", "network.mac_address"):
        return "object"
    if tag_type.startswith("network.") and tag_type.endswith(".uri_path"):
        return "pattern"
    if tag_type in ("network.port", "network.user_agent", "network.email.subject",
                    "network.email.msg_id"):
        return "pattern"
    return None


def fail(what, reasons):
    print(f"FAIL: {what}")
    for r in reasons:
        print(f"  - {r}")
    sys.exit(1)


def main():
    export_path, bundle_paths = sys.argv[1], sys.argv[2:]
    options = ValidationOptions(version="2.1", strict=True, interop=True)
    for path in bundle_paths:
        result = validate_file(path, options)
        print_results(result)
        if not result.is_valid:
            fail(f"{path} is not valid STIX 2.1 (strict, interop)", [])

    bundles = []
    for path in bundle_paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        bundles.append(stix2.parse(text, allow_custom=False))

    # Merging: every id must name one object, whichever bundle it came from.
    seen, conflicts, shared = {}, [], set()
    for bundle in bundles:
        for obj in bundle.objects:
            as_json = json.loads(obj.serialize())
            if obj.id in seen:
                shared.add(obj.id)
                if seen[obj.id] != as_json:
                    conflicts.append(f"{obj.id}: {seen[obj.id]} vs {as_json}")
            else:
                seen[obj.id] = as_json
    if conflicts:
        fail("the bundles contradict each other", conflicts)
    store = stix2.MemoryStore()
    for bundle in bundles:
        store.add(bundle)
    kinds = sorted({o["type"] for o in seen.values()})
    print(f"merged {len(seen)} objects ({len(shared)} shared by id): {', '.join(kinds)}")
    if len(bundles) > 1:
        for bundle in bundles:
            ids = {o.id for o in bundle.objects if o.type in OBJECT_TYPES or o.type == "identity"}
            if not ids <= shared:
                fail("observables and identities differ between exports", sorted(ids - shared))

    with open(export_path, encoding="utf-8") as f:
        exported = json.load(f)
    missing = []
    for bundle in bundles:
        # A url holds the RFC 3986 form of AL's text: the same once percent-escapes are read.
        values = {unquote(o.value) if o.type == "url" else o.value
                  for o in bundle.objects if o.type in OBJECT_TYPES}
        patterns = "\n".join(o.pattern for o in bundle.objects if o.type == "indicator")
        for tag_type, tag_values in exported.items():
            how = expressible(tag_type)
            for value in tag_values:
                value = str(value)
                literal = value.replace("\\", "\\\\").replace("'", "\\'")
                wanted = unquote(value) if tag_type.endswith(".uri") else value
                if how == "object" and wanted.lower() not in {v.lower() for v in values}:
                    missing.append(f"{tag_type} {value!r}: no cyber-observable")
                if how == "pattern" and literal not in patterns:
                    missing.append(f"{tag_type} {value!r}: no indicator pattern")
    if missing:
        fail("values of the JSON export missing from STIX", missing)
    print("every JSON value STIX can express is there:",
          ", ".join(sorted(t for t in exported if expressible(t))))
    print("OK")


main()
