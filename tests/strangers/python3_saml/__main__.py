"""Let ``python tests/strangers/python3_saml ...`` start the stranger SP (Python runs a directory's ``__main__.py``)."""

import sys

from stranger_sp import main

sys.exit(main())
