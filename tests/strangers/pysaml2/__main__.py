"""Let ``python tests/strangers/pysaml2 ...`` start the pysaml2 SP (Python runs a directory's ``__main__.py``)."""

import sys

from pysaml2_sp import main

sys.exit(main())
