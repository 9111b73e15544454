"""One module per command of ``python -m gis``: ``add_arguments(parser)`` and ``run(args, settings)``."""

from gis.config import Settings, check_keys


def check_sections(settings: Settings) -> None:
    """Build every typed section once, so a bad key stops the app or a command up front.

    The sections with a typed object here (``[coverage]``, ``[scoring]``, ``[compliance]``,
    ``[network]``, ``[routing]`` and ``[routing.windows]``) are checked by their ``from_settings``;
    ``[app]`` and ``[import]`` by the keys the shipped defaults declare. Sections of other packages
    ([auth], [cycle], [siting] …) are checked by their own ``from_settings`` when used. Raises
    :class:`gis.errors.ConfigError` naming the section and the key.
    """
    from gis.coverage.config import ComplianceConfig, CoverageConfig, ScoringConfig
    from gis.network import NetworkConfig
    from gis.routing import RoutingConfig
    from gis.timewindows import PeakWindows

    for cls in (CoverageConfig, ScoringConfig, ComplianceConfig, NetworkConfig, RoutingConfig, PeakWindows):
        cls.from_settings(settings)
    for name in ("app", "import"):
        check_keys(name, settings.section(name), ())
