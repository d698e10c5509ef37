"""Checking the fake against the real SmartEngage: `verify` (the contract checks, a library and a
command), `snapshot` (a real account's structure as a fixture), and the shape comparison that
they and the `--upstream` proxy share. `remote` is their polite HTTP client.

`verify` is five modules: `verify` runs the read checks and the rest in order, `writes` the
checks of --writes, `learning` tells which alternative of each behaviour switch the server
follows, `answers` reads whatever a server answered, and `report` holds and prints the result.

This package's `__init__` imports nothing: the CLI imports `commands` on every start, and
`healthcheck` must stay on the standard library.
"""
