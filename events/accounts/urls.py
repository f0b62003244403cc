from django.urls import path

from events.accounts import views

urlpatterns = [
    path("", views.account, name="account"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("second-factor/", views.second_factor_verify, name="second-factor-verify"),
    path("second-factor/setup/", views.second_factor_setup, name="second-factor-setup"),
    path(
        "second-factor/recovery-codes/",
        views.recovery_codes_regenerate,
        name="recovery-codes-regenerate",
    ),
]
