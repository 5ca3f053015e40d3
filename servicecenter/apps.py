from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceCenterConfig(AppConfig):
    name = "servicecenter"
    verbose_name = _("Service center")

    def ready(self) -> None:
        from servicecenter import signals

        signals.connect()
