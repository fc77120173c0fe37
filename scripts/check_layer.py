"""Checks the built layer (``sam build`` output) before it can be deployed.

Fails when the layer ships a library the Lambda runtime also ships without its partner (botocore without
boto3: the layer's botocore would run under the runtime's boto3, a pair nobody tested), when boto3 and
botocore are from different minor releases, or when the layer grows past ``MAX_LAYER_MB``.

Usage: ``python scripts/check_layer.py .aws-sam/build/CommonLayer``
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

#: Unzipped size limit. Lambda allows 250 MB for a function and all its layers; the layer is about 51 MB
#: (botocore alone is 30 MB). The margin leaves room for a few libraries, and stops an accidental
#: dependency tree (a second SDK, a data package) before it reaches a deploy.
MAX_LAYER_MB = 70

#: Libraries the python3.13 runtime already ships, each with the ones it must come with in the layer:
#: a layer copy of one shadows the runtime's copy of that one only.
PARTNERS: dict[str, frozenset[str]] = {
    "boto3": frozenset({"botocore", "s3transfer"}),
    "botocore": frozenset({"boto3"}),
    "s3transfer": frozenset({"boto3", "botocore"}),
}

_DIST_INFO = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)\.dist-info$")


def distributions(site: Path) -> dict[str, str]:
    """Normalised distribution name → version, from the ``*.dist-info`` folders in ``site``."""
    found: dict[str, str] = {}
    for entry in site.glob("*.dist-info"):
        match = _DIST_INFO.match(entry.name)
        if match:
            found[re.sub(r"[-_.]+", "-", match["name"]).lower()] = match["version"]
    return found


def size_bytes(root: Path) -> int:
    """Bytes of every file under ``root`` (what the layer unzips to)."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def problems(layer_dir: Path, max_mb: int = MAX_LAYER_MB) -> list[str]:
    """Everything wrong with the built layer at ``layer_dir`` (its ``python/`` folder holds the packages)."""
    site = layer_dir / "python"
    if not site.is_dir():
        return [f"{site} does not exist: run `make build` first"]
    found = distributions(site)
    issues = list(_missing_partners(found))
    boto3, botocore = found.get("boto3"), found.get("botocore")
    if boto3 and botocore and _minor(boto3) != _minor(botocore):
        issues.append(f"boto3 {boto3} and botocore {botocore} are from different releases")
    size = size_bytes(layer_dir)
    if size > max_mb * 1024 * 1024:
        issues.append(f"the layer is {size / 1024 / 1024:.1f} MB unzipped, over the stated {max_mb} MB")
    return issues


def _missing_partners(found: dict[str, str]) -> Iterable[str]:
    for name, partners in sorted(PARTNERS.items()):
        if name in found:
            for partner in sorted(partners - set(found)):
                yield f"the layer ships {name} {found[name]} without {partner} (the runtime's would mix in)"


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def main(argv: list[str]) -> int:
    """Prints the layer's size and any problem; exit status 1 when there is one."""
    layer_dir = Path(argv[1] if len(argv) > 1 else ".aws-sam/build/CommonLayer")
    issues = problems(layer_dir)
    for issue in issues:
        print(f"check_layer: {issue}", file=sys.stderr)
    if not issues:
        size = size_bytes(layer_dir) / 1024 / 1024
        print(f"check_layer: {layer_dir} ok ({size:.1f} MB of {MAX_LAYER_MB} MB, SDK shipped as a set)")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
