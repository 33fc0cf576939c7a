"""Where the key-encryption keys come from: ``GW_KEK``, or in development a generated one kept on disk."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from libs.common.keys import KeyRing, new_kek
from libs.common.settings import Settings

log = logging.getLogger(__name__)

KEK_FILE = "kek"


def load_keyring(settings: Settings) -> KeyRing:
    """The key ring that seals (control) and opens (router) provider keys.

    ``GW_KEK`` wins. Without it, production refuses to start; development generates a KEK once and keeps it at
    ``<GW_DATA_DIR>/kek`` (mode 0600) so that every service of one installation opens what another sealed.
    """
    if settings.kek is not None:
        return KeyRing.parse(settings.kek.get_secret_value())
    if settings.env != "development":
        raise RuntimeError("GW_KEK must be set outside development: provider keys cannot be sealed without it")
    return KeyRing.parse(_development_kek(Path(settings.data_dir) / KEK_FILE))


def _development_kek(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two services starting at once, exactly one writes the file and both read the same key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w") as f:
        f.write(new_kek() + "\n")
    log.warning("GW_KEK is not set: generated a development key-encryption key at %s", path)
    return _read(path)


def _read(path: Path) -> str:
    for _ in range(50):  # the writer may not have flushed yet
        if text := path.read_text().strip():
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            return text
        time.sleep(0.01)
    raise RuntimeError(f"the key-encryption key file {path} is empty")
