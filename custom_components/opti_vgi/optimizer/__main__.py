"""``python -m custom_components.opti_vgi.optimizer``: see :mod:`.cli`."""

from .cli import main

raise SystemExit(main())
