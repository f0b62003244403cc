from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Credentials: API tokens (knox digests with device names and expiry). Logins, lockout
    and the second factor live here too, without models of their own."""

    name = "events.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from events.accounts import (  # noqa: F401
            receivers,  # lockouts, session clock
            schema,  # the token scheme in the OpenAPI schema
        )
