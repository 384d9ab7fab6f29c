from django.urls import path

from . import views

app_name = "services"

# One office's pages: the default office's at these addresses, every office's again under
# offices/<slug>/ (charter_site/urls.py).
office_urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.service_list, name="list"),
    path("services/search/", views.service_search, name="search"),
    path("services/<slug:category>.csv", views.service_table_download, name="table_csv"),
    path("services/<slug:category>/", views.service_category, name="category"),
    path("services/<slug:category>/<int:serial>/", views.service_detail, name="service"),
    path("expectations/", views.expectations, name="expectations"),
    path("charter/print/", views.charter_print, name="print"),
]

urlpatterns = [
    *office_urlpatterns,
    path("offices/", views.directory, name="directory"),
]
