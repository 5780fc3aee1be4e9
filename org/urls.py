from django.urls import path

from org import views

app_name = "org"
urlpatterns = [
    path("divisions/", views.division_list, name="division-list"),
    path("divisions/<int:pk>/", views.division_detail, name="division-detail"),
]
