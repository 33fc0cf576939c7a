"""The control service: the admin REST API over the gateway's database, and the outbox relay to NATS."""
