"""Named key profiles for offline screening (``gateway scan --profile NAME``)."""

from __future__ import annotations

from libs.common.messages import CATEGORIES, KeyProfile

PROFILES: dict[str, KeyProfile] = {
    "default": KeyProfile(),  # block every category
    "log": KeyProfile(actions={c: "log" for c in CATEGORIES}),
    "redact": KeyProfile(actions={"pii": "redact", "secret": "redact", "prompt_injection": "block", "policy": "block"}),
}


def profile_named(name: str) -> KeyProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(sorted(PROFILES))}") from None
