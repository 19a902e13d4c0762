"""Engines: each turns its library's updates into handlers.messages types and sends replies back."""
