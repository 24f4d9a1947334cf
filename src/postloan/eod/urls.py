from django.urls import path

from postloan.eod import views

app_name = "eod"

urlpatterns = [
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.start, name="start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
]
