"""Secret placeholders are resolved on the worker and masked everywhere after."""

from __future__ import annotations

import pytest

from producer.errors import SecretNotFoundError
from worker.secrets import MASK, Redactor, resolve

ENV = {"SECRET_KEY": "s3cr3t-value", "SECRET_ID": "AKIAEXAMPLE"}


def test_placeholders_anywhere_are_replaced() -> None:
    data = {"auth": {"k": "{{secrets.KEY}}"}, "body": ["Bearer {{ secrets.ID }}", 1]}
    redactor = Redactor()
    assert resolve(data, ENV, "SECRET_", redactor) == {
        "auth": {"k": "s3cr3t-value"},
        "body": ["Bearer AKIAEXAMPLE", 1],
    }
    assert redactor("key s3cr3t-value id AKIAEXAMPLE") == f"key {MASK} id {MASK}"


def test_untouched_data_is_not_copied() -> None:
    body = {"big": list(range(1000))}
    data = {"input": {"body": body}, "auth": {"k": "{{secrets.KEY}}"}}
    resolved = resolve(data, ENV, "SECRET_", Redactor())
    assert resolved["input"] is data["input"]
    assert resolved is not data


def test_missing_secret_is_an_input_error_naming_the_variable() -> None:
    with pytest.raises(SecretNotFoundError) as info:
        resolve({"k": "{{secrets.NOPE}}"}, ENV, "SECRET_", Redactor())
    assert info.value.code == "SecretNotFound"
    assert "SECRET_NOPE" in info.value.message
    assert not info.value.retryable


def test_an_empty_secret_is_not_found_either() -> None:
    with pytest.raises(SecretNotFoundError, match="'EMPTY' is empty") as info:
        resolve({"k": "{{secrets.EMPTY}}"}, {"SECRET_EMPTY": ""}, "SECRET_", Redactor())
    assert "SECRET_EMPTY" in info.value.message


def test_custom_prefix() -> None:
    assert resolve("{{secrets.X}}", {"VAULT_X": "vvvv"}, "VAULT_", Redactor()) == "vvvv"


def test_redactor_masks_longest_first_and_ignores_tiny_values() -> None:
    redactor = Redactor({"abcd", "abcdefgh", "x"})
    assert redactor("abcdefgh abcd x") == f"{MASK} {MASK} x"
