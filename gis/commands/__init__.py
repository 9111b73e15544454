"""One module per command of ``python -m gis``: ``add_arguments(parser)`` and ``run(args, settings)``."""
