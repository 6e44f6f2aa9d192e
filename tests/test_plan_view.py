"""The terminal plan fits 80 columns: the URL prefix once, one compact row per path, no method dropped."""

from __future__ import annotations

from pathlib import Path

from checker.report.plan_view import short_names

from .support.run import SHARED, cli

SPECS = Path(__file__).parent / "specs"


def plan_text(*args: str) -> list[str]:
    result = cli("plan", *args, env={"COLUMNS": "80"})
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), "\n".join(line for line in lines if len(line) > 80)
    return lines


def test_one_prefix_printed_once_and_rows_compact():
    lines = plan_text(str(SPECS / "v32.yaml"), "--base-url", "http://127.0.0.1:8000/some/long/prefix/v1")
    text = "\n".join(lines)
    assert text.count("http://127.0.0.1:8000/some/long/prefix/v1") == 1
    assert "URL prefix: http://127.0.0.1:8000/some/long/prefix/v1 + path" in lines
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("/")}
    # 12 methods (QUERY, PURGE, Link, COPY added by the 3.2 document): abbreviated headers, none dropped
    header = next(line for line in lines if line.startswith("path"))
    assert header.split() == ["path", "GET", "HEA", "POS", "PUT", "PAT", "DEL", "OPT", "TRA", "QUE", "PUR", "Lin", "COP"]
    assert rows["/search"] == ["●", "○", "·", "·", "·", "·", "·", "·", "●", "·", "·", "·"]
    # declared PURGE, Link and COPY (methods whose effect nobody knows) are withheld by default: ⊘
    assert rows["/cache/{key}"] == ["●", "○"] + ["·"] * 7 + ["⊘", "⊘", "·"]
    assert rows["/files/{name}"] == ["·"] * 11 + ["⊘"]
    assert "⊘ 3 withheld: could change data (--allow-writes sends it)" in lines
    assert "  PURGE /cache/{key}, Link /cache/{key}, COPY /files/{name}" in lines


def test_several_prefixes_get_labels():
    lines = plan_text(str(SPECS / "v30.json"))
    assert "  [1] https://three.example.com:9443/api/v3" in lines
    assert "  [2] https://items.example.com/store" in lines
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("/")}
    assert rows["/items"][:4] == ["1", "●", "○", "⊘"]  # the declared POST is withheld by default
    assert rows["/items/{id}"][0] == "2"
    header = next(line for line in lines if line.startswith("path"))
    assert header.split() == ["path", "srv", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def test_short_names_stay_unique():
    assert short_names(["GET", "HEAD", "OPTIONS"]) == ["GET", "HEA", "OPT"]
    assert short_names(["PROPFIND", "PROPPATCH", "GET"]) == ["PROPF", "PROPP", "GET"]


def test_large_document_fits_80_columns():
    github = SHARED / "specs-corpus" / "github-api.github.com.json"
    if not github.is_file():
        import pytest

        pytest.skip(f"shared corpus not found at {github.parent}")
    lines = plan_text(str(github))
    assert "URL prefix: https://api.github.com + path" in lines
    assert any(line.startswith("… 611 more paths") for line in lines)
