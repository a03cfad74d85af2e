"""The published JSON Schemas match the models; the CLI reads every input shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.inputs import InputFileError, read_documents
from producer.schema import schemas

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


@pytest.mark.parametrize("which", ["job", "result"])
def test_published_schema_is_current(which: str) -> None:
    published = json.loads((SCHEMA_DIR / f"{which}.schema.json").read_text())
    assert published == schemas()[which], "run `make schema` and commit schema/"


def test_job_schema_names_the_connector_fields() -> None:
    props = schemas()["job"]["$defs"]["Input"]["properties"]
    for name in ("endpointName", "invocationType", "requestTTLSeconds", "enableExplanations"):
        assert name in props


def test_read_one_job_an_array_and_json_lines() -> None:
    assert read_documents('{"a": 1}') == [{"a": 1}]
    assert read_documents('[{"a": 1}, {"b": 2}]') == [{"a": 1}, {"b": 2}]
    assert read_documents('{"a": 1}\n\n{"b": 2}\n') == [{"a": 1}, {"b": 2}]


def test_bad_json_line_names_its_line() -> None:
    with pytest.raises(InputFileError, match="line 2"):
        read_documents('{"a": 1}\n{oops\n')


def test_empty_input_is_an_error() -> None:
    with pytest.raises(InputFileError):
        read_documents("  \n")


def test_feel_command_prints_the_value_or_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    assert main(["feel", "=x.score * 2", "--context", '{"x": {"score": 0.4}}']) == 0
    assert capsys.readouterr().out.strip() == "0.8"
    assert main(["feel", "if x then"]) == 2
    assert "line 1, column" in capsys.readouterr().err
