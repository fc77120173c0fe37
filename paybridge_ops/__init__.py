"""Operator commands that work against the local stack (``.local/outputs.json``) and against AWS."""
