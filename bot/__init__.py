"""livesell: a chat bot for cross-border live commerce."""
