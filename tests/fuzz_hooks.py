"""Schemathesis hooks for fuzzing this server, loaded through schemathesis.toml (by tests/test_fuzz.py
and by `st run`)."""

import schemathesis

# Sent together, these two arrays must be as long as each other (or have the same indexes): a
# rule JSON Schema cannot state, so valid requests are generated to keep it.
PAIRED = ("custom_field[]", "field_value[]")


@schemathesis.hook
def map_case(context, case):
    body = case.body
    if case.meta is not None and case.meta.generation.mode.is_positive and isinstance(body, dict):
        arrays = [body.get(name) or [] for name in PAIRED]  # null: not sent
        if any(name in body for name in PAIRED) and all(isinstance(array, list) for array in arrays):
            length = min(len(array) for array in arrays)
            for name, array in zip(PAIRED, arrays, strict=True):
                body[name] = array[:length]
    return case
