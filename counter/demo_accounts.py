"""Demo customers, gas accounts and bills for a company (for `make run` and the benchmarks): deterministic,
plausible, idempotent, and bulk-inserted so that thousands take a second.

Each account i of `count` is drawn from one random stream seeded with `seed`, so the same seed always gives
the same people, numbers and bills; running it again creates only what is missing (nothing, normally).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from counter.models import Bill, Customer, GasAccount
from counter.validators import id_check_digit
from servicecenter.models import Company
from servicecenter.money import quantize

FIRST_ACCOUNT_NUMBER = 10000001
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names: one or two characters, as common in the generations who hold gas accounts.
GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 秀英 桂英 建华 志强 晓东 "
    "红梅 文华 海燕 丹 玲 辉 鹏 斌 宇 浩 凯 婷 雪 琳 欣怡 佳怡 子涵 梓轩 宏伟 国强 "
    "建国 春梅 秋菊 玉兰 淑珍 德明 永刚 慧 倩 晨 阳"
)
# Districts of the hall's city (resident ID region codes): most customers were born here, some elsewhere.
LOCAL_REGIONS = _words("330102 330105 330106 330108 330109 330110")
OTHER_REGIONS = _words("340104 320102 360102 410105 430102 510104 330302 330681")
MOBILE_PREFIXES = _words(
    "130 131 132 135 136 137 138 139 150 151 152 157 158 159 177 180 181 186 187 188 189 191 199"
)
DISTRICTS = _words("城东区 城西区 城南区 城北区 高新区")
ROADS = _words(
    "和平路 解放路 人民路 建设路 中山路 文化路 青年路 新华路 胜利路 学院路 东风路 长江路 钱江路 滨江大道"
)
ESTATES = _words("幸福小区 阳光花园 金色家园 翠苑三区 桂花园 枫林苑 锦绣江南 和睦新村 紫荆公寓")
# Residential gas, first tier, per cubic metre; a month's use is seasonal (heating in winter).
PRICE_PER_M3 = Decimal("2.95")
VOLUME_BY_MONTH = {12: (45, 135), 1: (50, 135), 2: (45, 130), 3: (30, 100), 11: (25, 80)}
VOLUME_OTHERWISE = (11, 45)
SHANGHAI = ZoneInfo("Asia/Shanghai")
_BATCH = 2000


@dataclass
class _Plan:
    number: str
    name: str
    id_number: str
    phone: str
    address: str
    meter_type: str
    opened_on: date
    closed_on: date | None
    bills: list[Bill] = field(default_factory=list)


def _id_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        region = rng.choice(LOCAL_REGIONS) if rng.random() < 0.8 else rng.choice(OTHER_REGIONS)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 64))
        first17 = f"{region}{born:%Y%m%d}{rng.randrange(1, 1000):03d}"
        value = first17 + id_check_digit(first17)
        if value not in taken:
            taken.add(value)
            return value


def _address(rng: random.Random) -> str:
    return (
        f"{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randrange(1, 400)}号{rng.choice(ESTATES)}"
        f"{rng.randrange(1, 30)}幢{rng.randrange(1, 5)}单元{rng.randrange(1, 19)}{rng.randrange(1, 5):02d}室"
    )


def _months_before(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _bill(rng: random.Random, number: str, period: date, *, paid: bool) -> Bill:
    low, high = VOLUME_BY_MONTH.get(period.month, VOLUME_OTHERWISE)
    amount = quantize(PRICE_PER_M3 * rng.randint(low, high))
    due = _months_before(period, -1).replace(day=25)
    bill = Bill(
        number=f"GB{period:%Y%m}{number}",
        period=f"{period:%Y-%m}",
        amount=amount,
        due_on=due,
    )
    if paid:
        day = due - timedelta(days=rng.randrange(0, 20))
        at = datetime.combine(day, time(rng.randrange(9, 17), rng.randrange(60)), tzinfo=SHANGHAI)
        bill.status = Bill.Status.PAID
        bill.settled_at = at
        bill.settled_reference = f"DEMO-{bill.number}"
    return bill


def _plan(rng: random.Random, i: int, this_month: date, taken: set[str]) -> _Plan:
    number = str(FIRST_ACCOUNT_NUMBER + i)
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    plan = _Plan(
        number=number,
        name=name,
        id_number=_id_number(rng, taken),
        phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        address=_address(rng),
        meter_type=GasAccount.MeterType.IC_CARD if rng.random() < 1 / 3 else GasAccount.MeterType.POSTPAID,
        # Opened between twenty years and a year ago: before any of its bills or its closure.
        opened_on=this_month - timedelta(days=rng.randrange(365, 365 * 20)),
        closed_on=None,
    )
    closed = rng.random() < 0.02
    if plan.meter_type == GasAccount.MeterType.IC_CARD:
        # Prepaid: gas is bought at the counter before it is used, so there are no monthly bills.
        if closed:
            plan.closed_on = this_month - timedelta(days=rng.randrange(30, 300))
        return plan
    if closed:
        # Closed after its last bill was paid (closure needs every bill settled).
        months_ago = rng.randrange(2, 10)
        plan.closed_on = _months_before(this_month, months_ago - 1) + timedelta(days=rng.randrange(0, 20))
        for n in range(months_ago + 3, months_ago - 1, -1):
            plan.bills.append(_bill(rng, number, _months_before(this_month, n), paid=True))
        return plan
    unpaid = 0 if rng.random() < 0.15 else rng.randint(1, 3)
    history = rng.randint(3, 6)
    for n in range(history + unpaid, 0, -1):  # oldest first, the last `unpaid` months still owed
        plan.bills.append(_bill(rng, number, _months_before(this_month, n), paid=n > unpaid))
    return plan


@transaction.atomic
def seed_accounts(*, company: Company, count: int = 300, seed: int = 2026, today: date | None = None) -> int:
    """Create the company's demo accounts 10000001… that do not exist yet; returns how many were created.
    Bills are for the months before `today` (default: today in Asia/Shanghai)."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    taken: set[str] = set()
    plans = [_plan(rng, i, this_month, taken) for i in range(count)]

    existing = set(
        GasAccount.objects.filter(company=company, number__in=[p.number for p in plans]).values_list(
            "number", flat=True
        )
    )
    plans = [p for p in plans if p.number not in existing]
    if not plans:
        return 0
    holders = {
        c.id_number: c
        for c in Customer.objects.filter(company=company, id_number__in=[p.id_number for p in plans])
    }
    new_customers = []
    for p in plans:
        if p.id_number not in holders:
            holders[p.id_number] = Customer(
                company=company, name=p.name, id_number=p.id_number, phone=p.phone
            )
            new_customers.append(holders[p.id_number])
    bulk_create_with_history(new_customers, Customer, batch_size=_BATCH)
    accounts = [
        GasAccount(
            company=company,
            number=p.number,
            holder=holders[p.id_number],
            address=p.address,
            meter_type=p.meter_type,
            status=GasAccount.Status.CLOSED if p.closed_on else GasAccount.Status.ACTIVE,
            opened_on=p.opened_on,
            closed_on=p.closed_on,
        )
        for p in plans
    ]
    bulk_create_with_history(accounts, GasAccount, batch_size=_BATCH)
    bills = []
    for p, account in zip(plans, accounts, strict=True):
        for bill in p.bills:
            bill.account = account
            bills.append(bill)
    bulk_create_with_history(bills, Bill, batch_size=_BATCH)
    return len(accounts)
