"""The public pages every browser check visits, in both languages."""

LANGUAGES = ["bn", "en"]

CHARTER_PAGES = [
    "/{lang}/",
    "/{lang}/services/",
    "/{lang}/services/citizen/",
    "/{lang}/services/institutional/",
    "/{lang}/services/internal/",
    "/{lang}/services/citizen/1/",
    "/{lang}/services/institutional/10/",
    "/{lang}/services/search/",
    "/{lang}/services/search/?q=ICT",
    "/{lang}/services/search/?q=passport",
    "/{lang}/expectations/",
    "/{lang}/grs/",
    "/{lang}/charter/print/",
]

COMPLAINT_PAGES = [
    "/{lang}/complaints/new/",
    "/{lang}/complaints/track/",
]

PUBLIC_PAGES = CHARTER_PAGES + COMPLAINT_PAGES
