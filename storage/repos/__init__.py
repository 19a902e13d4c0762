"""Repositories: small async functions over one session each, keyword-only (the FastAPI template's crud style)."""
