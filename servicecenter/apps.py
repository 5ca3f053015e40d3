from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceCenterConfig(AppConfig):
    name = "servicecenter"
    verbose_name = _("Service center")

    def ready(self) -> None:
        from servicecenter import navigation, signals

        signals.connect()
        # The kernel's own hall pages, in the Manage menu after the apps' settings.
        navigation.register(
            _("Staff and roles"),
            "hall_staff",
            perms=("servicecenter.view_membership",),
            order=90,
            group="manage",
        )
        navigation.register(
            _("Audit log"), "hall_audit", perms=("servicecenter.view_auditevent",), order=91, group="manage"
        )
