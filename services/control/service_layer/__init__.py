"""The control service's use cases: one async function per admin action, over repositories and the outbox."""
