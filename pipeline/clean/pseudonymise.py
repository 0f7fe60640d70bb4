"""Keyed pseudonymisation of respondent and personnel ids (HMAC-SHA256).

Why: a plain hash of a personnel number can be reversed by hashing all numbers; a keyed hash cannot
without the key. The key comes from $INCLUSIEMONITOR_KEY or a key file outside git (default
`.pseudonym_key` in the project root, git-ignored) and must be at least 32 bytes. The public demo key
is used only for files the demo generator wrote: the file must sit in a folder whose DEMO_DATA marker
(written by pipeline.synth) lists it with the same sha256. Any other file needs a configured key.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from pipeline.config import ROOT

ENV_VAR = "INCLUSIEMONITOR_KEY"
KEY_FILE = ROOT / ".pseudonym_key"
DEMO_KEY = b"demo-key-not-secret"
DEMO_MARKER = "DEMO_DATA"
MIN_KEY_BYTES = 32
MAKE_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'


class MissingKeyError(RuntimeError):
    pass


class WeakKeyError(MissingKeyError):
    """A configured key that is empty or too short to keep pseudonyms from being reversed."""


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise WeakKeyError(
            f"The pseudonymisation key in {where} is {'empty' if not key else f'only {len(key)} bytes'}; "
            f"at least {MIN_KEY_BYTES} random bytes are needed, or pseudonyms can be reversed by guessing the key. "
            f"Make a good key with `{MAKE_KEY} > {KEY_FILE.name}` (64 hex characters; outside git, "
            "and the same key every year so pseudonyms stay linkable).")
    return key


def load_key(*, demo: bool = False, key_file: Path | None = None, why_not_demo: str = "") -> bytes:
    """The configured key (env var, else key file); the public demo key only when `demo` — which the
    caller sets only for verified demo files (see `demo_file_status`)."""
    key_file = KEY_FILE if key_file is None else Path(key_file)
    if ENV_VAR in os.environ:
        return _checked(os.environ[ENV_VAR].encode(), f"the environment variable {ENV_VAR}")
    if key_file.exists():
        return _checked(key_file.read_bytes().strip(), f"the key file {key_file}")
    if demo:
        return DEMO_KEY
    raise MissingKeyError(
        f"No pseudonymisation key: set the environment variable {ENV_VAR} or create the key file {key_file} "
        f"(outside git; e.g. `{MAKE_KEY} > {key_file.name}`). "
        "Keep the same key across waves so pseudonyms stay linkable."
        + (f" The public demo key is not used: {why_not_demo}." if why_not_demo else ""))


FINGERPRINT_TEXT = b"inclusiemonitor: vingerafdruk van de pseudonimiseringssleutel"


def fingerprint(key: bytes) -> str:
    """A fingerprint of `key` that is safe to write down: HMAC-SHA256 under the key of a fixed text
    (16 hex characters). Why: a manifest must say which key made its pseudonyms, so that pseudonyms of
    two keys are never joined, without the key or anything that helps guessing it ever leaving memory."""
    return hmac.new(key, FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[:16]


def current_fingerprint() -> str:
    """The fingerprint of the key a run would use now: the configured key, else the public demo key
    (which pseudonymises verified demo files only). "ongeldig" for a configured key that is refused:
    the cleaning steps then stop with the reason."""
    try:
        return fingerprint(load_key(demo=True))
    except MissingKeyError:
        return "ongeldig"


def write_demo_marker(folder: str | Path, names: list[str], header: str = "") -> Path:
    """Record the generated files `names` in `folder` with their sha256 in `folder/DEMO_DATA`
    (sha256sum format: `sha256sum -c DEMO_DATA` checks them)."""
    from pipeline.io import atomic_write_text, sha256
    folder = Path(folder)
    lines = ["# Synthetische demodata, geschreven door pipeline.synth. Alleen de bestanden hieronder, met",
             "# precies deze sha256, worden met de openbare demosleutel gepseudonimiseerd; echte data hoort hier niet."]
    if header:
        lines.append(f"# {header}")
    lines += [f"{sha256(folder / name)}  {name}" for name in sorted(set(names))]
    return atomic_write_text(folder / DEMO_MARKER, "\n".join(lines) + "\n")


def demo_file_status(path: str | Path, checksum: str | None = None) -> tuple[bool, str]:
    """(True, "") when the demo generator wrote `path` as it is now; else (False, why not)."""
    path = Path(path)
    if not path.is_file():
        return False, f"{path} does not exist"
    marker = path.resolve().parent / DEMO_MARKER
    if not marker.is_file():
        return False, (f"{path} is not in a demo data folder (no {DEMO_MARKER} marker beside it; demo data made "
                       "before the marker existed: run `make demo-data` again)")
    listed = {}
    for line in marker.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, _, name = line.partition("  ")
            listed[name.strip()] = digest.strip()
    name = path.resolve().name
    if name not in listed:
        return False, f"{path.name} is not listed in {marker} as a generated demo file"
    if checksum is None:
        from pipeline.io import sha256
        checksum = sha256(path)
    if checksum != listed[name]:
        return False, f"{path.name} differs from the demo file the generator wrote (sha256 does not match {marker})"
    return True, ""


def pseudonymise(ids, key: bytes, prefix: str = "p"):
    """A pandas Series of ids -> keyed pseudonyms (prefix + 20 hex characters of HMAC-SHA256)."""
    return ids.astype(str).map(lambda v: prefix + hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:20])


def check_one_key(manifests, expected: str) -> None:
    """Refuse to let a step read processed files pseudonymised with another key than this run's
    (`expected`: its fingerprint): pseudonyms of two keys never link, so a join across them would
    silently find nobody. Raises InputError naming each file, its key's fingerprint and the remedy."""
    import json

    from pipeline.clean.errors import InputError, Problem
    problems = []
    for m in manifests:
        m = Path(m)
        if not m.exists():
            continue
        record = json.loads(m.read_text(encoding="utf-8"))
        found = record.get("key_fingerprint")
        if record.get("pseudonymised", True) and found != expected:
            problems.append(Problem(
                str(m.with_name(m.name.replace(".manifest.json", ".parquet"))), "pseudoniemen", (), 0,
                f"gepseudonimiseerd met de sleutel van deze run (vingerafdruk {expected})",
                f"een andere sleutel (vingerafdruk {found or 'niet vastgelegd'}): pseudoniemen van twee sleutels "
                "zijn nooit te koppelen; de bron wordt bij de volgende `make report` opnieuw gepseudonimiseerd, "
                "of zet de oude sleutel terug"))
    if problems:
        raise InputError(problems)
