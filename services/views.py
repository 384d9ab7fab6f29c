"""The charter's public pages, in the source document's order of sections."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from core.caching import cached_charter_page

from .charter import charter_or_404, published_services
from .directory import office_directory
from .export import charter_as_data, service_table_csv
from .models import Service
from .offices import office_prefix, site_or_404
from .printing import complaint_form_url, qr_code_svg
from .search import find_services


def _tables(services):
    """Services grouped by category, in the charter's order of tables."""
    by_category = {category: [] for category in Service.Category.values}
    for service in services:
        by_category[service.category].append(service)
    return [
        {"category": category, "label": Service.Category(category).label, "services": rows}
        for category, rows in by_category.items()
    ]


@cached_charter_page
def home(request):
    """The office's home page; for an office whose charter is not published, its contact
    details and that plain fact, never an empty or borrowed charter."""
    site = site_or_404(request)
    if site.charter is None:
        context = {"office_site": site, "office": site.office}
        return render(request, "services/office_unpublished.html", context)
    return render(request, "services/home.html", {"charter": site.charter})


@cached_charter_page
def service_list(request):
    charter = charter_or_404(request)
    tables = _tables(published_services(charter))
    return render(request, "services/service_list.html", {"charter": charter, "tables": tables})


@cached_charter_page
def service_category(request, category):
    if category not in Service.Category.values:
        raise Http404
    charter = charter_or_404(request)
    services = published_services(charter).for_category(category)
    table = {"category": category, "label": Service.Category(category).label, "services": services}
    return render(request, "services/service_category.html", {"charter": charter, "table": table})


@cached_charter_page
def service_detail(request, category, serial):
    charter = charter_or_404(request)
    service = get_object_or_404(published_services(charter), category=category, serial=serial)
    return render(request, "services/service_detail.html", {"charter": charter, "service": service})


@cached_charter_page
def expectations(request):
    charter = charter_or_404(request)
    return render(
        request,
        "services/expectations.html",
        {"charter": charter, "expectations": charter.expectations.all()},
    )


@cached_charter_page
def charter_json(request):
    charter = charter_or_404(request)
    data = charter_as_data(charter, office_prefix=office_prefix(request))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@cached_charter_page
def service_table_download(request, category):
    if category not in Service.Category.values:
        raise Http404
    charter = charter_or_404(request)
    content = service_table_csv(charter=charter, category=category, language=request.LANGUAGE_CODE)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="services-{category}-{request.LANGUAGE_CODE}.csv"'
    )
    return response


def service_search(request):
    """A plain GET search; not page-cached, since every query would make a new entry."""
    charter = charter_or_404(request)
    query = request.GET.get("q", "").strip()[:200]
    results = find_services(charter=charter, query=query) if query else []
    return render(
        request,
        "services/service_search.html",
        {"charter": charter, "query": query, "results": results, "tables": _tables([])},
    )


@cached_charter_page
def charter_print(request):
    """The whole charter in its official order, for an A4 landscape sheet on the office wall."""
    charter = charter_or_404(request)
    complaint_url = complaint_form_url(request)  # this office's form
    context = {
        "charter": charter,
        "tables": _tables(published_services(charter)),
        "expectations": charter.expectations.all(),
        "tiers": charter.grs_tiers.all(),
        "complaint_url": complaint_url,
        "complaint_qr": qr_code_svg(data=complaint_url, title=_("QR code: file a complaint")),
    }
    return render(request, "services/charter_print.html", context)


@cached_charter_page
def directory(request):
    """Every office by the hierarchy with its GRO, or the offices whose name matches ``q``
    (a page with a query string is never page-cached)."""
    query = request.GET.get("q", "").strip()[:200]
    context = {"query": query, **office_directory(query=query)}
    return render(request, "services/offices.html", context)
