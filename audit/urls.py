from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_home, name="home"),
    path("trail/<str:label>/<int:pk>/", views.record_trail, name="trail"),
    path("log/", views.audit_log, name="log"),
    path("access/", views.access_log, name="access-log"),
    path("chain/", views.chain_status, name="chain"),
    path("chain/verify/", views.chain_verify, name="chain-verify"),
]
