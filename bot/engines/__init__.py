"""Engines: each turns its library's updates into handlers.core.messages types and sends replies back."""
