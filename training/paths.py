"""Where the public data sets are (no heavy imports: ``service.config`` uses it for its default)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Environment variable naming the data folder.
DATA_DIR_ENV = "SARING_DATA_DIR"


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the public data sets are: ``$SARING_DATA_DIR``; else ``../shared/data`` from the
    current folder when it exists; else ``shared/data`` beside the repository (the layout of a
    checkout next to ``shared/``)."""
    env = os.environ if environ is None else environ
    if env.get(DATA_DIR_ENV):
        return Path(env[DATA_DIR_ENV])
    here = Path("../shared/data")
    return here if here.is_dir() else REPO_ROOT.parent / "shared" / "data"
