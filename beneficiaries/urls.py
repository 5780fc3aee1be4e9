from django.urls import path

from beneficiaries import views

app_name = "beneficiaries"
urlpatterns = [
    path("persons/", views.person_list, name="person-list"),
    path("persons/<int:pk>/", views.person_detail, name="person-detail"),
]
