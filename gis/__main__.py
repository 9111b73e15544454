import sys

from gis.cli import main

sys.exit(main())
