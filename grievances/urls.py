from django.urls import path

from . import views

app_name = "grievances"

urlpatterns = [
    path("complaints/new/", views.complaint_new, name="new"),
    path("complaints/receipt/<str:tracking_number>/", views.receipt, name="receipt"),
    path("complaints/track/", views.track, name="track"),
    path("complaints/track/<str:tracking_number>/", views.case, name="case"),
    path("complaints/track/<str:tracking_number>/appeal/", views.appeal, name="appeal"),
    path("complaints/track/<str:tracking_number>/rate/", views.rate, name="rate"),
    path("complaints/track/<str:tracking_number>/answer/", views.answer, name="answer"),
    path("complaints/track/<str:tracking_number>/summary/", views.case_summary, name="summary"),
    path("complaints/track/<str:tracking_number>/sign-out/", views.sign_out, name="sign_out"),
]
