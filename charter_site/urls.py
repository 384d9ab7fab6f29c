from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from core import metrics as core_metrics
from core import views as core_views
from services import views as services_views

# A database error raised in a middleware (outside any view) also answers 503.
handler500 = "core.middleware.server_error"

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

urlpatterns += i18n_patterns(
    path("", include("services.urls")),
    path("", include("reports.urls")),
    path("", include("grievances.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
