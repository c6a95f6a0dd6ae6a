"""An offline stand-in for Telegram: a Bot API server on loopback, personas who talk to the bot, and a chat page."""
