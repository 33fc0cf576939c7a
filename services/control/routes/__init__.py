"""Thin HTTP edges: parse, call one use case, return its result."""
