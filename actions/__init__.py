"""Custom actions, one module per concern, served by `rasa run actions`."""
