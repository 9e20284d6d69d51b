"""Lock resources: tuples, their type, their parent object, their resource_description."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from quietus.engine.locks import (
    database_id,
    database_resource,
    description,
    key_resource,
    object_resource,
    parent_object,
    resource_type,
)


def test_resources_are_equal_when_built_from_equal_ids() -> None:
    assert key_resource(5, 7, 1, (3, "a")) == key_resource(5, 7, 1, (3, "a"))
    assert hash(object_resource(5, 7)) == hash(object_resource(5, 7))
    assert key_resource(5, 7, 1, 3) != key_resource(5, 7, 2, 3)
    assert object_resource(5, 7) != object_resource(6, 7)


def test_type_database_and_parent() -> None:
    key = key_resource(5, 7, 1, 42)
    assert [resource_type(r) for r in (database_resource(5), object_resource(5, 7), key)] == [
        "DATABASE",
        "OBJECT",
        "KEY",
    ]
    assert database_id(key) == 5
    assert parent_object(key) == object_resource(5, 7)
    assert parent_object(object_resource(5, 7)) is None
    assert parent_object(database_resource(5)) is None


def test_description_of_a_key_is_a_12_digit_hash_in_parentheses() -> None:
    text = description(key_resource(5, 7, 1, (1, "x")))
    assert re.fullmatch(r"\([0-9a-f]{12}\)", text)
    assert description(key_resource(9, 9, 9, (1, "x"))) == text  # the hash is of the key alone
    assert description(key_resource(5, 7, 1, (2, "x"))) != text
    assert description(object_resource(5, 7)) == "" and description(database_resource(5)) == ""


def test_key_hash_is_the_same_in_another_process() -> None:
    code = "from quietus.engine.locks import description, key_resource\nprint(description(key_resource(1, 2, 1, 'k')))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert other.stdout.strip() == description(key_resource(1, 2, 1, "k"))
