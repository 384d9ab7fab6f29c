from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from services import views as services_views

# A database error raised in a middleware (outside any view) also answers 503.
handler500 = "services.middleware.server_error"

urlpatterns = [
    path("", services_views.root, name="root"),
    path("healthz", services_views.healthz, name="healthz"),
    path("charter.json", services_views.charter_json, name="charter_json"),
    path("lang/<str:language>/", services_views.switch_language, name="switch_language"),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("grievances.open311_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("services.urls")),
    path("", include("grievances.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
