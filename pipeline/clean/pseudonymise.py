"""Keyed pseudonymisation of respondent and personnel ids (HMAC-SHA256).

Why: a plain hash of a personnel number can be reversed by hashing all numbers; a keyed hash cannot
without the key. The key comes from $INCLUSIEMONITOR_KEY or a key file outside git
(default `.pseudonym_key` in the project root, git-ignored). Demo runs use a fixed public demo key.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pandas as pd

from pipeline.config import ROOT

ENV_VAR = "INCLUSIEMONITOR_KEY"
KEY_FILE = ROOT / ".pseudonym_key"
DEMO_KEY = b"demo-key-not-secret"


class MissingKeyError(RuntimeError):
    pass


def load_key(*, demo: bool, key_file: Path = KEY_FILE) -> bytes:
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR].encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    if demo:
        return DEMO_KEY
    raise MissingKeyError(
        f"No pseudonymisation key: set the environment variable {ENV_VAR} or create the key file {key_file} "
        f"(outside git; e.g. `python -c \"import secrets; print(secrets.token_hex(32))\" > {key_file.name}`). "
        "Keep the same key across waves so pseudonyms stay linkable.")


def pseudonymise(ids: pd.Series, key: bytes, prefix: str = "p") -> pd.Series:
    return ids.astype(str).map(lambda v: prefix + hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:20])
