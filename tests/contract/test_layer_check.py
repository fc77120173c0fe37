"""scripts/check_layer.py: the built layer ships the SDK as a set (or not at all) and stays under its size."""

from __future__ import annotations

from pathlib import Path

from paybridge_local.template import ROOT
from scripts import check_layer


def _layer(tmp_path: Path, *dists: str, payload_bytes: int = 0) -> Path:
    site = tmp_path / "layer" / "python"
    site.mkdir(parents=True)
    for dist in dists:
        (site / f"{dist}.dist-info").mkdir()
        (site / f"{dist}.dist-info" / "METADATA").write_text(dist)
    if payload_bytes:
        (site / "blob.bin").write_bytes(b"\0" * payload_bytes)
    return tmp_path / "layer"


def test_a_layer_with_the_whole_sdk_set_passes(tmp_path: Path) -> None:
    layer = _layer(tmp_path, "boto3-1.44.5", "botocore-1.44.8", "s3transfer-0.19.3", "requests-2.34.2")
    assert check_layer.problems(layer) == []
    assert check_layer.main(["check_layer", str(layer)]) == 0


def test_a_layer_without_any_sdk_passes(tmp_path: Path) -> None:
    assert check_layer.problems(_layer(tmp_path, "pydantic-2.14.3", "aws_lambda_powertools-3.37.0")) == []


def test_botocore_without_boto3_fails(tmp_path: Path) -> None:
    layer = _layer(tmp_path, "botocore-1.44.8", "aws_xray_sdk-2.15.0")
    issues = check_layer.problems(layer)
    assert issues == ["the layer ships botocore 1.44.8 without boto3 (the runtime's would mix in)"]
    assert check_layer.main(["check_layer", str(layer)]) == 1


def test_boto3_without_its_botocore_and_s3transfer_fails(tmp_path: Path) -> None:
    issues = check_layer.problems(_layer(tmp_path, "boto3-1.44.5"))
    assert [i.split(" without ")[1].split(" ")[0] for i in issues] == ["botocore", "s3transfer"]


def test_boto3_and_botocore_of_different_releases_fail(tmp_path: Path) -> None:
    issues = check_layer.problems(_layer(tmp_path, "boto3-1.44.5", "botocore-1.43.9", "s3transfer-0.19.3"))
    assert issues == ["boto3 1.44.5 and botocore 1.43.9 are from different releases"]


def test_a_layer_past_its_stated_size_fails(tmp_path: Path) -> None:
    layer = _layer(tmp_path, "requests-2.34.2", payload_bytes=2 * 1024 * 1024 + 1)
    assert check_layer.problems(layer, max_mb=2) == ["the layer is 2.0 MB unzipped, over the stated 2 MB"]
    assert check_layer.problems(layer, max_mb=3) == []


def test_a_missing_build_is_reported(tmp_path: Path) -> None:
    assert "run `make build` first" in check_layer.problems(tmp_path / "nothing")[0]


def test_the_layer_requirements_pin_the_sdk_as_a_set() -> None:
    pins = {
        line.split("==")[0]: line.split("==")[1]
        for line in (ROOT / "layers/common/requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for name, partners in check_layer.PARTNERS.items():
        if name in pins:
            assert partners <= set(pins), name
    assert pins["boto3"].split(".")[:2] == pins["botocore"].split(".")[:2]
