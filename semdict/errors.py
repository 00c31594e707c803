"""Errors that reach the user as a message, not a traceback."""


class UsageError(Exception):
    """Bad input from the user (file, option, text): exit code 2 with the message."""
