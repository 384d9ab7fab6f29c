from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Citizen's charter")

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_save

        from core.caching import clear_charter_pages

        from .models import Charter, Expectation, GrsTier, Office, OfficeHost, Officer, Service

        def office_slug(sender, instance, **kwargs):
            instance.fill_slug()

        # Fixtures too (raw saves, which skip Model.save): see Office.fill_slug.
        pre_save.connect(office_slug, sender=Office, weak=False, dispatch_uid="office-slug")

        def charter_changed(sender, **kwargs):
            clear_charter_pages()

        # Any edit to the charter shows on the public pages at once, on every worker.
        # weak=False: nothing else holds this local function, and a weak receiver vanishes.
        for model in (Office, OfficeHost, Officer, Charter, Expectation, GrsTier, Service):
            for signal, name in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(
                    charter_changed,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"charter-{name}-{model}",
                )
