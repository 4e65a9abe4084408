#!/usr/bin/env python3
"""Writes crates/sluice-server/src/sqs/input_shapes.json from botocore's SQS service model.

The file lists, for every SQS operation, the JSON type of each input member, so the
server can reject a JSON request whose members have the wrong type in the words of
AWS's deserializer. Run it with any botocore installed (the e2e JSON venv has one):

    .venv-e2e-json/bin/python scripts/gen-sqs-input-shapes.py

tests/e2e/test_model_shapes.py checks the file against the installed model.
"""
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parents[1] / "crates/sluice-server/src/sqs/input_shapes.json"


def shape_type(shapes, name, depth=0):
    shape = shapes[name]
    kind = shape["type"]
    if depth > 8:
        raise SystemExit(f"shape {name} nests too deep")
    if kind == "structure":
        return {"structure": {m: shape_type(shapes, s["shape"], depth + 1) for m, s in sorted(shape.get("members", {}).items())}}
    if kind == "list":
        return {"list": shape_type(shapes, shape["member"]["shape"], depth + 1)}
    if kind == "map":
        return {"map": shape_type(shapes, shape["value"]["shape"], depth + 1)}
    return kind


def input_shapes(model):
    shapes = model["shapes"]
    out = {}
    for op, spec in sorted(model["operations"].items()):
        if "input" in spec:
            out[op] = shape_type(shapes, spec["input"]["shape"])
    return out


def main():
    import botocore.session

    model = botocore.session.get_session().get_service_model("sqs")
    data = input_shapes(model._service_description)
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
