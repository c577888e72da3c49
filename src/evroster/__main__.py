from __future__ import annotations

from evroster.cli import main

raise SystemExit(main())
