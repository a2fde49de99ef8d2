"""hubbub: a real-time messenger whose chats can be bound to an AI assistant."""

__version__ = "0.4.0"
