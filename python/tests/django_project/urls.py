from django.urls import path

from django_project import views

urlpatterns = [
    # django-cors-headers' test views
    path("", views.index),
    path("async/", views.async_),
    path("unauthorized/", views.unauthorized),
    path("delete-enabled/", views.delete_decision),
    # the seed's API, sync and async
    path("api/items", views.items),
    path("api/async-items", views.async_items),
    path("api/boom", views.boom),
    path("api/async-boom", views.async_boom),
    path("api/legacy", views.legacy),
]
