"""Settings: one TOML file of defaults, an optional user TOML on top, a few env variables.

The defaults live in ``gis/default_config.toml`` (speeds, thresholds, weights, windows).
A deployment overrides any key with its own TOML named by ``GIS_CONFIG`` (or ``config=``);
``DATABASE_URL`` chooses the database. Each package turns its own section into a typed
object (e.g. ``gis.network.config``), so this module stays small and free of domain logic.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import os
import tomllib
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gis.errors import ConfigError, DataSourceError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'app.db'}"


@dataclass(frozen=True)
class Settings:
    """All settings, as nested plain dicts by section, plus the database URL.

    Attributes
    ----------
    database_url : str
        SQLAlchemy URL; ``sqlite:///…/data/app.db`` unless ``DATABASE_URL`` or ``--db`` say otherwise.
    sections : dict
        The merged TOML, one dict per section (``network``, ``coverage``, ``scoring``, ...).
    """

    database_url: str = DEFAULT_DATABASE_URL
    sections: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """Return a deep copy of one section (empty dict when absent)."""
        return copy.deepcopy(self.sections.get(name, {}))

    def fingerprint(self, *names: str) -> str:
        """Stable hash of the named sections (all when none), for cache keys."""
        chosen = {n: self.sections.get(n) for n in (names or sorted(self.sections))}
        blob = json.dumps(chosen, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def merge_dicts(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base``."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a planner-readable error."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        msg = f"配置文件不存在 / config file not found: {path}"
        raise DataSourceError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"配置文件格式错误 / config file is not valid TOML: {path}: {exc}"
        raise DataSourceError(msg) from exc


def load_settings(*, database_url: str | None = None, config: str | Path | None = None) -> Settings:
    """Load defaults, then the user TOML (``config`` or ``$GIS_CONFIG``), then the database URL.

    Parameters
    ----------
    database_url : str, optional
        Overrides ``$DATABASE_URL`` and the SQLite default.
    config : path, optional
        A TOML file whose keys override the defaults.
    """
    sections = read_toml(DEFAULT_CONFIG_PATH)
    user_path = config or os.environ.get("GIS_CONFIG")
    if user_path:
        sections = merge_dicts(sections, read_toml(Path(user_path)))
    url = database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    return Settings(database_url=url, sections=sections)


# -- typed sections ---------------------------------------------------------------------------
# Each package turns its own section into a frozen dataclass with a ``from_settings`` classmethod
# (``gis.coverage.config``, ``gis.network.config``, ``gis.routing.build`` …; new sections such as
# [auth], [cycle], [siting] add their own). ``check_keys`` is the one unknown-key check they share:
# a key is known when the section's dataclass has it or the shipped ``default_config.toml``
# declares it, so a typo in a deployment's TOML is refused with the section, the key and the
# known keys named, while a key another package adds (with its default) never breaks this one.

T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def _shipped_defaults() -> dict[str, Any]:
    return read_toml(DEFAULT_CONFIG_PATH)


def default_section(path: str) -> dict[str, Any]:
    """The shipped defaults of a section or sub-table (``"scoring"``, ``"scoring.thresholds"``)."""
    node: Any = _shipped_defaults()
    for part in path.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return copy.deepcopy(node) if isinstance(node, dict) else {}


def check_keys(path: str, section: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse keys of ``[path]`` that are neither in ``allowed`` nor in the shipped defaults.

    Parameters
    ----------
    path : str
        The section as written in TOML (``"coverage"``, ``"scoring.thresholds"``).
    section : mapping
        The merged values of that section.
    allowed : iterable of str
        The keys the typed object reads.

    Raises
    ------
    ConfigError
        Naming the section, the unknown keys and the known ones.
    """
    known = set(allowed) | set(default_section(path))
    unknown = sorted(str(k) for k in section if k not in known)
    if unknown:
        listed = "、".join(unknown)
        msg = (f"配置 [{path}] 中有未知的键 {listed}（可用：{', '.join(sorted(known))}），请检查拼写 / "
               f"unknown key(s) {', '.join(unknown)} in [{path}]; known keys: {', '.join(sorted(known))}")
        raise ConfigError(msg)


def _convert(path: str, key: str, value: Any, hint: Any) -> Any:
    """Coerce a TOML value to the field's declared type (tuples from lists, floats from ints)."""
    origin = typing.get_origin(hint)
    try:
        if hint is float:
            return float(value)
        if hint is int and not isinstance(value, bool):
            return int(value)
        if hint is bool:
            if not isinstance(value, bool):
                raise TypeError(value)
            return value
        if origin is tuple:
            args = typing.get_args(hint)
            item = args[0] if args else Any
            return tuple(_convert(path, key, v, item) for v in value)
    except (TypeError, ValueError) as exc:
        msg = (f"配置 [{path}] 的 {key} 取值 {value!r} 类型不对 / [{path}] {key}: {value!r} has the "
               f"wrong type ({getattr(hint, '__name__', hint)})")
        raise ConfigError(msg) from exc
    return value


def typed_section(cls: type[T], path: str, section: Mapping[str, Any], **overrides: Any) -> T:
    """Build the dataclass ``cls`` from a TOML section, refusing unknown keys.

    Keys become fields of the same name (lists → tuples, numbers → the declared number type);
    nested dataclass fields read the sub-table of the same name. ``overrides`` (already built
    values, e.g. from sub-tables read differently) win over the section.
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    check_keys(path, {k: v for k, v in section.items() if k not in overrides}, fields)
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key in overrides or key not in fields:
            continue
        hint = hints.get(key, Any)
        if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
            values[key] = typed_section(hint, f"{path}.{key}", value)
        else:
            values[key] = _convert(path, key, value, hint)
    values.update(overrides)
    return cls(**values)
