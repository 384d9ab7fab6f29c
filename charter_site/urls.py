from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from core import metrics as core_metrics
from core import views as core_views
from grievances import urls as grievances_urls
from reports import urls as reports_urls
from services import urls as services_urls
from services import views as services_views
from services.offices import for_each_office, office_page

# A database error raised in a middleware (outside any view) also answers 503.
handler500 = "core.middleware.server_error"
# A session that cannot be saved (the database went away) is a 503 too, not a bare 400.
handler400 = "core.middleware.bad_request"

urlpatterns = [
    path("", core_views.root, name="root"),
    path("healthz", core_views.healthz, name="healthz"),
    path("charter.json", services_views.charter_json, name="charter_json"),
    path("lang/<str:language>/", core_views.switch_language, name="switch_language"),
    # The API keys moved from the grievances app to open311: old admin bookmarks follow.
    re_path(
        r"^admin/grievances/apikey/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/open311/apikey/%(rest)s", permanent=True),
    ),
    # Prometheus: only to METRICS_ALLOWED_NETWORKS, 404 to anyone else.
    path("metrics", core_metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("open311.urls")),
]

# Every office's own pages, at /<lang>/offices/<slug>/…: the default office's pages again,
# each view told its office by services.offices.office_page. Links between them stay inside
# the office ({% office_url %}); tracking a complaint has one address for every office.
office_pages = [
    path("", include((for_each_office(services_urls.office_urlpatterns), "services"))),
    path("", include((for_each_office(reports_urls.urlpatterns), "reports"))),
    path("", include((for_each_office(grievances_urls.urlpatterns, ["new"]), "grievances"))),
    path("charter.json", office_page(services_views.charter_json), name="charter_json"),
]

urlpatterns += i18n_patterns(
    path("", include("services.urls")),
    path("", include("reports.urls")),
    path("", include("grievances.urls")),
    path("offices/<slug:office>/", include((office_pages, "office"))),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
