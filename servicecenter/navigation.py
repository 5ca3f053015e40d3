"""The hall menu. Each app registers its pages here when it loads (AppConfig.ready), so that the kernel's
base template shows them without the kernel knowing the apps."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # a URL taking the hall id as its only argument
    perms: tuple[str, ...]  # shown when the user holds any of them in the current hall
    order: int
    # "main": in the bar; "reports": the Reports menu; "manage": the Manage menu, with the hall's settings
    group: str = "main"


_items: list[NavItem] = []


def register(label, url_name: str, *, perms: tuple[str, ...], order: int, group: str = "main") -> None:
    if any(item.url_name == url_name for item in _items):
        return
    _items.append(NavItem(label, url_name, tuple(perms), order, group))
    _items.sort(key=lambda item: item.order)


def items() -> list[NavItem]:
    return list(_items)


@dataclass(frozen=True)
class HomePanel:
    url_name: str  # a partial taking the hall id, loaded into the hall's home page by htmx
    perms: tuple[str, ...]
    order: int


_panels: list[HomePanel] = []


def register_home_panel(url_name: str, *, perms: tuple[str, ...], order: int) -> None:
    """A panel of an app on the hall's home page; loaded after the page, so it costs the page nothing."""
    if any(panel.url_name == url_name for panel in _panels):
        return
    _panels.append(HomePanel(url_name, tuple(perms), order))
    _panels.sort(key=lambda panel: panel.order)


def home_panels() -> list[HomePanel]:
    return list(_panels)


@dataclass(frozen=True)
class VisitAction:
    label: str
    url_name: str  # a page taking the hall id; the rep's workspace adds ?visit=<id>
    perms: tuple[str, ...]
    order: int


_visit_actions: list[VisitAction] = []


def register_visit_action(label, url_name: str, *, perms: tuple[str, ...], order: int) -> None:
    """A button in the rep's workspace during a visit that opens another app's page for it (e.g. billing's
    payment screen), so the counter offers it without importing that app."""
    if any(action.url_name == url_name for action in _visit_actions):
        return
    _visit_actions.append(VisitAction(label, url_name, tuple(perms), order))
    _visit_actions.sort(key=lambda action: action.order)


def visit_actions(user, hall, visit_id: int) -> list[dict]:
    from django.urls import reverse

    from servicecenter.scoping import has_hall_perm

    return [
        {"label": a.label, "url": f"{reverse(a.url_name, kwargs={'hall_id': hall.pk})}?visit={visit_id}"}
        for a in _visit_actions
        if any(has_hall_perm(user, hall, perm) for perm in a.perms)
    ]
