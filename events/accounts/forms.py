"""The one-time code forms of the second factor."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class OneTimeCodeForm(forms.Form):
    """A six-digit code from the authenticator app, or one of the recovery codes."""

    token = forms.CharField(
        label="Code",
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "").lower()


class LoginForm(AuthenticationForm):
    """Django's login form, refusing usernames longer than any account can have before they
    reach authentication (and the lockout table, whose column would overflow)."""

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        limit = getattr(self.fields["username"], "max_length", None) or 150
        if len(username) > limit:
            raise forms.ValidationError("No account has a username that long.")
        return username
