"""The hall menu. Each app registers its pages here when it loads (AppConfig.ready), so that the kernel's
base template shows them without the kernel knowing the apps."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # a URL taking the hall id as its only argument
    perms: tuple[str, ...]  # shown when the user holds any of them in the current hall
    order: int
    group: str = "main"  # "main": in the bar; "manage": in the Manage menu with the hall's settings


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
