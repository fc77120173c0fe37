"""The composition root: each function's clients, repositories, Juspay client, publisher, signer and clocks,
built from its settings model (``paybridge.settings``).

A handler calls one builder here, once per container, on first use (it caches the result: a cache here would
outlive a handler module loaded again for another stack in the same process, as the test stacks do). One
module per area; a module imports only what its functions use (tests/contract/test_cold_imports.py): the
Juspay HTTP stack only where a function calls Juspay, cryptography only where it signs.
"""
