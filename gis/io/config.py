"""The ``[import]`` settings as a typed object: file-size and zip limits, the extent margin."""

from __future__ import annotations

from dataclasses import dataclass

from gis.config import Settings, load_settings, typed_section
from gis.io.safe_zip import ZipLimits


@dataclass(frozen=True)
class ImportConfig:
    """Limits for reading planners' files.

    Attributes
    ----------
    max_upload_mb : float
        Largest input file, MB (the upload page and ``python -m gis import``; ``--max-mb`` raises it).
    max_unzipped_mb : float
        Largest total unpacked size of a zip or XLSX, MB.
    max_zip_ratio : float
        Largest compression ratio of one zip/XLSX member (decompression bombs).
    max_zip_members : int
        Most members in a zip/XLSX.
    extent_margin_m : float
        Points farther than this outside the stored roads' extent are rejected, metres.
    """

    max_upload_mb: float = 50.0
    max_unzipped_mb: float = 500.0
    max_zip_ratio: float = 100.0
    max_zip_members: int = 1000
    extent_margin_m: float = 5000.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ImportConfig:
        """Build from ``settings.section("import")``; unknown keys are a ``ConfigError`` naming the key."""
        settings = settings or load_settings()
        return typed_section(cls, "import", settings.section("import"))

    @property
    def zip_limits(self) -> ZipLimits:
        return ZipLimits(max_unzipped_mb=self.max_unzipped_mb, max_zip_ratio=self.max_zip_ratio,
                         max_members=self.max_zip_members)
