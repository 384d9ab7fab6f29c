from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a periodic job last finished: ``/healthz`` and the metrics report stale ones.

    Plumbing, not domain data: one row per job name, overwritten by each successful run.
    """

    name = models.CharField(_("job"), max_length=60, unique=True)
    last_success_at = models.DateTimeField(_("last success"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return self.name
