"""Training hooks (SDAG guidance, sample dumps)."""
