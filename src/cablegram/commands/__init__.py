"""Sub-commands of `cablegram`: one module each, with a `register(subparsers)` function."""
