"""The price list and tenders a company starts with (spec §4.1); edited afterwards in the admin."""

from decimal import Decimal

from billing.models import FeeItem, Tender
from servicecenter.models import Company

TENDERS = [
    ("cash", "现金", Tender.Kind.CASH),
    ("card", "银行卡", Tender.Kind.CARD),
    ("wechat", "微信支付", Tender.Kind.QR),
    ("alipay", "支付宝", Tender.Kind.QR),
    ("transfer", "银行转账", Tender.Kind.TRANSFER),
]

FEE_ITEMS = [
    # code, name, kind, price (None: the rep enters the amount), needs an account
    ("gas_bill", "燃气费", FeeItem.Kind.BILL, None, True),
    ("prepaid_gas", "预付气费（IC卡充值）", FeeItem.Kind.PREPAID, None, True),
    ("installation", "安装工程费", FeeItem.Kind.INSTALLATION, None, True),
    ("ic_card", "IC卡补卡费", FeeItem.Kind.OTHER, Decimal("20.00"), True),
    ("alarm", "燃气泄漏报警器", FeeItem.Kind.VAS, Decimal("298.00"), False),
    ("shutoff_valve", "自闭阀", FeeItem.Kind.VAS, Decimal("128.00"), False),
    ("hose", "不锈钢波纹管（1.5米）", FeeItem.Kind.VAS, Decimal("45.00"), False),
    ("insurance", "燃气保险（一年）", FeeItem.Kind.VAS, Decimal("30.00"), False),
]


def install_price_list(company: Company) -> None:
    """Create the standard tenders and fee items the company lacks (existing ones are left as edited)."""
    for order, (code, name, kind) in enumerate(TENDERS):
        Tender.objects.get_or_create(
            company=company, code=code, defaults={"name": name, "kind": kind, "order": order}
        )
    for order, (code, name, kind, price, needs_account) in enumerate(FEE_ITEMS):
        FeeItem.objects.get_or_create(
            company=company,
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "price": price,
                "needs_account": needs_account,
                "order": order,
            },
        )
