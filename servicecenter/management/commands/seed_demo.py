"""Demo data for `make run`: one company, two halls, windows, a user for each role in each hall, and each
app's own demo data (its `demo.seed`).

Idempotent: running it again changes nothing that is already there (passwords are not reset).
"""

import importlib
import importlib.util
from datetime import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from servicecenter import services
from servicecenter.models import Company, Hall, Membership, User, Window
from servicecenter.roles import Role

DEMO_PASSWORD = "demo-2026"

COMPANY = {"code": "demo-gas", "name": "示范城市燃气有限公司"}

HALLS = [
    {
        "code": "east",
        "name": "城东客服中心",
        "address": "城东区和平路 88 号",
        "phone": "0571-8800 1001",
        "windows": 6,
        "staff": {
            Role.REP: [("east.rep", "张", "伟", "E1001"), ("east.rep2", "王", "芳", "E1002")],
            Role.AUDITOR: [("east.auditor", "李", "娜", "E2001")],
            Role.SUPERVISOR: [("east.supervisor", "刘", "洋", "E3001")],
            Role.DUTY_MANAGER: [("east.duty", "陈", "静", "E4001")],
            Role.GREETER: [("east.greeter", "杨", "帆", "E5001")],
            Role.FINANCE_AUDITOR: [("east.finance", "赵", "敏", "E6001")],
        },
    },
    {
        "code": "west",
        "name": "城西客服中心",
        "address": "城西区解放路 16 号",
        "phone": "0571-8800 2002",
        "windows": 4,
        "staff": {
            Role.REP: [("west.rep", "黄", "磊", "W1001"), ("west.rep2", "周", "婷", "W1002")],
            Role.AUDITOR: [("west.auditor", "吴", "军", "W2001")],
            Role.SUPERVISOR: [("west.supervisor", "徐", "丽", "W3001")],
            Role.DUTY_MANAGER: [("west.duty", "孙", "强", "W4001")],
            Role.GREETER: [("west.greeter", "马", "超", "W5001")],
            Role.FINANCE_AUDITOR: [("west.finance", "朱", "慧", "W6001")],
        },
    },
]

# A duty manager who covers both halls (switches hall from the header), and the company's manager.
ROVING = ("roving.duty", "胡", "斌", "R4001")
MANAGER = ("manager", "郭", "峰", "M0001")


class Command(BaseCommand):
    help = "Create or complete the demo company, halls, windows and staff (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            created_users, company, admin = self._kernel()
        # Each app adds its own demo data (configuration, customers, takings …) from its `demo` module, if it
        # has one, through its own services and their own transactions.
        for app in apps.get_app_configs():
            if importlib.util.find_spec(f"{app.name}.demo") is not None:
                for line in importlib.import_module(f"{app.name}.demo").seed(company=company, by=admin):
                    self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created_users} new users; password for all: {DEMO_PASSWORD})."
            )
        )

    def _kernel(self):
        created_users = 0
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser(
                "admin", "admin@example.com", DEMO_PASSWORD, last_name="管理员"
            )
            created_users += 1
        self.admin = admin
        company, _ = Company.objects.get_or_create(code=COMPANY["code"], defaults={"name": COMPANY["name"]})
        for spec in HALLS:
            hall, _ = Hall.objects.get_or_create(
                code=spec["code"],
                defaults={
                    "company": company,
                    "name": spec["name"],
                    "address": spec["address"],
                    "phone": spec["phone"],
                    "cutoff": time(4, 0),
                },
            )
            for number in range(1, spec["windows"] + 1):
                Window.objects.get_or_create(hall=hall, number=number, defaults={"name": f"{number}号窗口"})
            for role, people in spec["staff"].items():
                for person in people:
                    user, made = self._user(*person)
                    created_users += made
                    self._member(user, role, company, hall)
            user, made = self._user(*ROVING)
            created_users += made
            self._member(user, Role.DUTY_MANAGER, company, hall)
        user, made = self._user(*MANAGER)
        created_users += made
        self._member(user, Role.MANAGER, company, None)
        return created_users, company, admin

    def _user(self, username, last_name, first_name, staff_number) -> tuple[User, bool]:
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user, False
        user = services.create_staff_user(
            username=username,
            password=DEMO_PASSWORD,
            last_name=last_name,
            first_name=first_name,
            staff_number=staff_number,
            must_change_password=settings.DEMO_USERS_MUST_CHANGE_PASSWORD,
            by=self.admin,
        )
        return user, True

    def _member(self, user, role, company, hall) -> None:
        if not Membership.objects.filter(user=user, role=role, company=company, hall=hall).exists():
            services.grant_role(user=user, role=role, company=company, hall=hall, by=self.admin)
