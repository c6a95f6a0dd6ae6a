"""Adapters: implementations of the Protocols in `bot.ports` for payment providers, LLMs and FX rates."""
