from django.urls import path

from postloan.eod import views

app_name = "eod"

urlpatterns = [
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.start, name="start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("loans/<int:loan_pk>/overrides/", views.override_request, name="override_request"),
    path("overrides/", views.overrides, name="overrides"),
    path("overrides/<int:pk>/decide/", views.override_decide, name="override_decide"),
]
