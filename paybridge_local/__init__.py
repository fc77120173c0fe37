"""The local stack: emulated AWS built from template.yaml, real handlers in-process, a Juspay simulator."""
