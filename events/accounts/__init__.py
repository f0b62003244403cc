"""Logging in: password (with lockout), the TOTP second factor and its recovery codes."""
