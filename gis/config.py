"""Settings: one TOML file of defaults, an optional user TOML on top, a few env variables.

The defaults live in ``gis/default_config.toml`` (speeds, thresholds, weights, windows).
A deployment overrides any key with its own TOML named by ``GIS_CONFIG`` (or ``config=``);
``DATABASE_URL`` chooses the database. Each package turns its own section into a typed
object (e.g. ``gis.network.config``), so this module stays small and free of domain logic.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis.errors import DataSourceError

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
