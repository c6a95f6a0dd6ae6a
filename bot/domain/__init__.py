"""The shop's rules, free of any framework: money, catalogue, buyers, orders."""
