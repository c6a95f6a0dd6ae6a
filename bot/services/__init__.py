"""Use cases: each opens one unit of work, applies the domain's rules and returns plain data."""
