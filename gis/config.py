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
import math
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
    except IsADirectoryError as exc:
        msg = f"配置文件路径是一个文件夹，请给出 .toml 文件 / the config path is a folder, give a .toml file: {path}"
        raise DataSourceError(msg) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"配置文件格式错误 / config file is not valid TOML: {path}: {detail}"
        raise DataSourceError(msg) from exc
    except OSError as exc:
        msg = f"无法读取配置文件 / cannot read the config file {path}: {exc.strerror or exc}"
        raise DataSourceError(msg) from exc


# Keys whose numbers must be strictly positive (speeds, factors, sizes); every other number
# whose default is >= 0 must be >= 0, and every number must be finite.
POSITIVE_KEYS = ("_kmh", "reach_cell_m", "sector_segments", "time_limit_s", "max_iterations", "max_upload_mb",
                 "max_unzipped_mb", "max_zip_ratio", "max_zip_members", "wall_rotate_s", "wall_refresh_s")
POSITIVE_TABLES = ("speeds_kmh", "peak_factors")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


KIND_ZH = {"bool": "true/false", "number": "数字", "text": "文本（加引号）", "list": "列表 [...]", "table": "表 [..]"}


def _bad_key(key: str, value: Any, need_zh: str, need_en: str, source: Path | str | None) -> ConfigError:
    where = f"（{source}）" if source else ""
    msg = (f"配置项 {key} = {value!r} 无效{where}：{need_zh} / config key {key} = {value!r} is invalid"
           f"{f' ({source})' if source else ''}: {need_en}")
    return ConfigError(msg)


def _check_number(key: str, value: float, default: Any, source) -> None:
    name = key.rsplit(".", 1)[-1]
    if not math.isfinite(value):
        raise _bad_key(key, value, "应为有限数值", "use a finite number", source)
    positive = name.endswith(POSITIVE_KEYS) or any(f".{t}." in f".{key}." for t in POSITIVE_TABLES)
    if positive and value <= 0:
        raise _bad_key(key, value, "应大于 0", "use a number above 0", source)
    if isinstance(default, int | float) and not isinstance(default, bool) and default >= 0 and value < 0:
        raise _bad_key(key, value, "不能为负数", "use a number of 0 or more", source)
    if name.endswith("_share") and value > 1:
        raise _bad_key(key, value, "应在 0 到 1 之间", "use a share between 0 and 1", source)


def validate_settings(user: dict[str, Any], defaults: dict[str, Any], *, source: Path | str | None = None,
                      prefix: str = "") -> None:
    """Check the user's values against the defaults' types and the ranges above.

    Keys the defaults do not know are left to each package's typed config (which rejects
    unknown keys); this layer checks the type and range of every key it knows, so a wrong
    value is reported once, when the settings load, naming the key.

    Raises
    ------
    ConfigError
        Naming the first bad key (``section.key``), its value and what it should be.
    """
    for name, value in user.items():
        key = f"{prefix}{name}"
        if name not in defaults:
            if isinstance(value, int | float) and not isinstance(value, bool):
                _check_number(key, float(value), None, source)
            continue
        default = defaults[name]
        want, got = _kind(default), _kind(value)
        if want != got:
            raise _bad_key(key, value, f"应为{KIND_ZH.get(want, want)}", f"use a {want}", source)
        if want == "table":
            validate_settings(value, default, source=source, prefix=f"{key}.")
        elif want == "number":
            _check_number(key, float(value), default, source)
        elif want == "list" and default:
            item_kind = _kind(default[0])
            for k, item in enumerate(value):
                if _kind(item) != item_kind:
                    raise _bad_key(f"{key}[{k}]", item, f"应为{KIND_ZH.get(item_kind, item_kind)}",
                                   f"use a {item_kind}", source)
                if item_kind == "number":
                    _check_number(f"{key}[{k}]", float(item), default[0], source)


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
        user = read_toml(Path(user_path))
        validate_settings(user, sections, source=user_path)
        sections = merge_dicts(sections, user)
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
