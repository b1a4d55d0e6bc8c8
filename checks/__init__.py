"""The built-in check families. Each module declares its checks as data and registers them, with its
fact collectors, through the `auditor.checks` / `auditor.facts` entry points in pyproject.toml."""
