"""Queries over the gateway's tables, one module per aggregate. Callers own the transaction."""
