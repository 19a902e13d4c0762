"""What every feature stands on: the desk, the router, the context, messages and the outbox,
catalogues, policy, parsing and rendering helpers, uploaded tables and the feature declaration."""
