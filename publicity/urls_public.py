"""The public column, mounted at the site root (no login)."""

from django.urls import path

from publicity import public_views

app_name = "column"
urlpatterns = [
    path("", public_views.column, name="index"),
    path("notices/<int:pk>/", public_views.notice, name="notice"),
    path("notices/<int:pk>/objection/", public_views.objection, name="objection"),
    path("notices/<int:pk>/objection/filed/", public_views.objection_filed, name="objection-filed"),
    path("news/<int:pk>/", public_views.submission, name="submission"),
]
