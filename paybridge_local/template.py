"""Reads ``template.yaml`` (CloudFormation + SAM) and resolves intrinsic functions, so the local stack and
the tests build their resources from the one template that ``sam deploy`` uses.

Only what the project's template uses is supported; anything else raises ``TemplateError`` so an
unsupported construct is noticed the day it is added, not silently skipped.
"""

from __future__ import annotations

import copy
import functools
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
NO_VALUE = object()


class TemplateError(Exception):
    """The template uses something the local stack cannot resolve."""


class _CfnLoader(yaml.CSafeLoader):  # libyaml (in PyYAML's wheels): the template is read for every stack
    """YAML loader that turns CloudFormation short tags (``!Ref``, ``!Sub`` ...) into their long form."""


def _construct_tag(loader: yaml.CSafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)  # type: ignore[no-untyped-call]


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, short tags expanded (a fresh copy each call; parsed once per version)."""
    stat = path.stat()
    return copy.deepcopy(_parse(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _parse(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass with tag constructors
    if not isinstance(document, dict):
        raise TemplateError(f"{path} is not a template")
    return document


def parse_parameter_overrides(text: str | None) -> dict[str, str]:
    """``"Key=Value Key2='a b'"`` (as ``sam deploy --parameter-overrides`` takes it) → dict."""
    result: dict[str, str] = {}
    for token in shlex.split(text or ""):
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise TemplateError(f"parameter override {token!r} is not Key=Value")
        if key.startswith("ParameterKey"):  # also accept the long form ParameterKey=K,ParameterValue=V
            parts = dict(p.split("=", 1) for p in token.split(",") if "=" in p)
            key, value = parts.get("ParameterKey", ""), parts.get("ParameterValue", "")
        result[key] = value
    return result


_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")
#: ``${Name}`` to substitute, or ``${!Literal}``, which Fn::Sub writes out as ``${Literal}``.
_SUB_TOKEN = re.compile(r"\$\{(!?)([^}]+)\}")


@dataclass
class Resolver:
    """Resolves intrinsic functions against parameters, pseudo parameters and created resources."""

    parameters: dict[str, Any]
    pseudo: dict[str, str]
    conditions: dict[str, Any]
    mappings: dict[str, Any] = field(default_factory=dict)
    #: logical id → {"Ref": ..., attribute: ...}, filled in as resources are created.
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _condition_cache: dict[str, bool] = field(default_factory=dict)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in self.attributes:
            return self.attributes[name]["Ref"]
        raise TemplateError(f"unresolved Ref {name!r} (not created yet, or unknown)")

    def get_att(self, name: str, attribute: str) -> Any:
        try:
            return self.attributes[name][attribute]
        except KeyError as exc:
            raise TemplateError(f"unresolved GetAtt {name}.{attribute}") from exc

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            self._condition_cache[name] = bool(self.resolve(self.conditions[name]))
        return self._condition_cache[name]

    def resolve(self, value: Any) -> Any:
        """Resolves every intrinsic function inside ``value``; ``AWS::NoValue`` entries are dropped."""
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(self, arg)
            if key.startswith("Fn::"):
                raise TemplateError(
                    f"intrinsic function {key} is not supported by the local stack "
                    f"(supported: {', '.join(sorted(_INTRINSICS))})"
                )
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def sub(self, arg: Any) -> str:
        template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            if match.group(1):
                return "${" + match.group(2) + "}"
            name = match.group(2).strip()
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return str(self.get_att(logical, attribute))
            return str(self.ref(name))

        return _SUB_TOKEN.sub(replace, template)

    def find_in_map(self, arg: Any) -> Any:
        name, top, second = (self.resolve(part) for part in arg)
        try:
            return self.mappings[name][top][second]
        except KeyError as exc:
            raise TemplateError(f"Fn::FindInMap: no {name}.{top}.{second} in Mappings") from exc


def _get_att(resolver: Resolver, arg: Any) -> Any:
    logical, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
    return resolver.get_att(logical, resolver.resolve(attribute))


def _if(resolver: Resolver, arg: Any) -> Any:
    name, when_true, when_false = arg
    return resolver.resolve(when_true if resolver.condition(name) else when_false)


def _select(resolver: Resolver, arg: Any) -> Any:
    index, items = resolver.resolve(arg)
    return items[int(index)]


def _split(resolver: Resolver, arg: Any) -> Any:
    separator, text = resolver.resolve(arg)
    return str(text).split(separator)


_INTRINSICS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, a: r.ref(a),
    "Fn::GetAtt": _get_att,
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::Join": lambda r, a: str(a[0]).join(str(x) for x in r.resolve(a[1])),
    "Fn::If": _if,
    "Fn::Equals": lambda r, a: r.resolve(a[0]) == r.resolve(a[1]),
    "Fn::Not": lambda r, a: not r.resolve(a[0]),
    "Fn::And": lambda r, a: all(r.resolve(x) for x in a),
    "Fn::Or": lambda r, a: any(r.resolve(x) for x in a),
    "Condition": lambda r, a: r.condition(a),
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": lambda r, a: r.find_in_map(a),
}


def references(value: Any) -> set[str]:
    """Logical ids ``value`` refers to (through Ref, GetAtt, Sub and DependsOn-free nesting)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".", 1)[0] if isinstance(arg, str) else arg[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                found |= {m.split(".", 1)[0] for m in _SUB_VAR.findall(text)}
                if not isinstance(arg, str):
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return {name for name in found if not name.startswith("AWS::")}


def creation_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical ids sorted so that every resource comes after the ones it refers to."""
    pending = {name: references(body) & set(resources) for name, body in resources.items()}
    for name, body in resources.items():
        depends = body.get("DependsOn", [])
        pending[name] |= set([depends] if isinstance(depends, str) else depends)
    order: list[str] = []
    while pending:
        ready = sorted(name for name, deps in pending.items() if not deps - set(order))
        if not ready:
            raise TemplateError(f"circular references among {sorted(pending)}")
        order.extend(ready)
        for name in ready:
            del pending[name]
    return order


def function_environment(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's environment variables (unresolved): Globals merged with its own, its own winning."""
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return {**globals_env, **own}
