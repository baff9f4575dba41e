"""Reads a MISP CSV the page exported the way MISP's "CSV Import" does, and validates every
attribute with pymisp's port of MISP's attribute validation.

usage: check_misp.py EXPORT.json MISP.csv

The import module (misp-modules import_mod/csvimport.py) reads the file with Python's csv
module, drops rows whose first cell starts with '#', strips each cell and, with "has_header"
ticked, takes the first row as the header. Each row must then be an attribute MISP accepts
(pymisp.tools.validate_attribute: type and category known and matching, value valid after
MISP's own normalisation), and its value must be one of the JSON export's values, unguarded.
Prints a summary and the rows; exits 1 with the reasons on failure.
"""
import csv
import json
import sys

from pymisp import MISPEvent
from pymisp.tools import validate_attribute

FIELDS = ("category", "type", "value", "comment", "to_ids")


def main():
    export_path, csv_path = sys.argv[1], sys.argv[2]
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = [[c.strip() for c in r] for r in csv.reader(f) if r and not r[0].startswith("#")]
    with open(csv_path, encoding="utf-8", newline="") as f:
        raw_rows = [r for r in csv.reader(f)][1:]
    header, rows = rows[0], rows[1:]
    problems = []
    if not set(header) <= set(FIELDS) or not {"type", "value"} <= set(header):
        problems.append(f"header {header}: MISP's import knows only attribute fields such as {FIELDS}")
    if len(rows) != len(raw_rows):
        problems.append(f"MISP would drop {len(raw_rows) - len(rows)} rows as comments")
    describe = MISPEvent().describe_types
    with open(export_path, encoding="utf-8") as f:
        exported = {str(v) for values in json.load(f).values() for v in values}
    for row in rows:
        attribute = dict(zip(header, row))
        if attribute.get("category") not in describe["categories"]:
            problems.append(f"unknown category in {row}")
        elif attribute.get("type") not in describe["category_type_mappings"][attribute["category"]]:
            problems.append(f"type {attribute.get('type')} not in {attribute['category']}")
        if attribute.get("to_ids") not in ("0", "1"):
            problems.append(f"to_ids {attribute.get('to_ids')!r} in {row}")
        try:
            validated = validate_attribute(
                {**attribute, "to_ids": attribute.get("to_ids") == "1"}
            )
        except Exception as e:  # pymisp raises its own errors with MISP's words
            problems.append(f"MISP refuses {row}: {e}")
            continue
        if attribute["value"] not in exported:
            problems.append(f"value {attribute['value']!r} is not one of the JSON export's")
        print(f"  {attribute['type']:<14} {attribute['value']!r} -> {validated.value!r}")
    if problems:
        print("FAIL")
        for p in problems:
            print(f"  - {p}")
        sys.exit(1)
    print(f"OK: {len(rows)} attributes, all valid for MISP")


main()
