"""Chinese templates for exercises/feedback.py (the messages every check shares)."""

MESSAGES: dict[str, str] = {}
