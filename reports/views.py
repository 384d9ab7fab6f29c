"""The public GRS page: the charter's grievance redress tiers and this year's figures."""

from django.shortcuts import render

from core.caching import cached_charter_page
from grievances import calendar
from services.charter import charter_or_404

from .charts import public_figure_charts
from .figures import public_figures

# The GRS figures change with every complaint, which does not bump the charter version.
GRS_FIGURES_FRESH_FOR = 600


@cached_charter_page(fresh_for=GRS_FIGURES_FRESH_FOR)
def grs(request):
    charter = charter_or_404(request)
    figures = public_figures(office=charter.office, today=calendar.today())
    flow_chart, limit_chart = public_figure_charts(figures)
    context = {
        "charter": charter,
        "tiers": charter.grs_tiers.all(),
        "figures": figures,
        "flow_chart": flow_chart,
        "limit_chart": limit_chart,
    }
    return render(request, "reports/grs.html", context)
