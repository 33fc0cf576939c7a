"""Offline training of the guard's prompt-injection classifier (needs the `train` dependency group)."""
