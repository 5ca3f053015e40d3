"""The configuration a new hall starts from: business types with their documents and fields, ticket queues,
opening/closing checklists and incident handling steps (spec §3.2, §6). All of it is editable in the admin;
installing it again adds only what is missing."""

from django.db import transaction

from counter.models import (
    BusinessType,
    ChecklistItem,
    IncidentKind,
    IncidentStepTemplate,
    RequiredDocument,
    TicketCategory,
    Workflow,
)
from servicecenter.models import Hall


def _f(name, label, type_="line", required=True):
    return {"name": name, "label": label, "type": type_, "required": required}


# code, name, workflow, documents, fields, reply days
BUSINESS_TYPES = [
    ("payment", "缴费/购气", Workflow.PAYMENT, ["户号或IC卡"], [], None),
    (
        "consultation",
        "业务咨询",
        Workflow.CONSULTATION,
        [],
        [
            _f("topic", "咨询主题"),
            _f("question", "咨询问题", "text"),
            _f("answer", "答复内容", "text", required=False),
            _f("reply_by", "约定答复日期", "date", required=False),
        ],
        3,
    ),
    (
        "new_connection",
        "零散户报装",
        Workflow.NEW_CONNECTION,
        ["身份证", "房产证明", "报装申请表"],
        [
            _f("applicant_name", "申请人"),
            _f("applicant_id_number", "申请人身份证号", "id_number"),
            _f("applicant_phone", "联系电话", "phone"),
            _f("address", "用气地址"),
        ],
        15,
    ),
    (
        "transfer",
        "过户",
        Workflow.TRANSFER,
        ["原户主身份证", "新户主身份证", "房产过户证明", "表读数", "欠费结清"],
        [
            _f("new_holder_name", "新户主姓名"),
            _f("new_holder_id_number", "新户主身份证号", "id_number"),
            _f("new_holder_phone", "新户主电话", "phone"),
            _f("meter_reading", "表读数", "reading"),
        ],
        3,
    ),
    (
        "closure",
        "销户",
        Workflow.CLOSURE,
        ["户主身份证", "最终表读数", "欠费结清"],
        [_f("final_meter_reading", "最终表读数", "reading"), _f("reason", "销户原因", required=False)],
        5,
    ),
    (
        "repair",
        "报修",
        Workflow.REPAIR,
        [],
        [
            _f("fault", "故障描述", "text"),
            _f("contact_phone", "联系电话", "phone"),
            _f("preferred_time", "上门时间", required=False),
        ],
        2,
    ),
    ("vas_sale", "增值业务销售", Workflow.VAS_SALE, [], [], None),
    ("complaint", "投诉", Workflow.COMPLAINT, [], [], None),
    (
        "suggestion",
        "合理化建议",
        Workflow.SUGGESTION,
        [],
        [
            _f("content", "建议内容", "text"),
            _f("proposer_phone", "建议人电话", "phone", required=False),
        ],
        7,
    ),
    (
        "details_change",
        "信息变更",
        Workflow.DETAILS_CHANGE,
        ["户主身份证"],
        [
            _f("new_name", "新户名", required=False),
            _f("new_phone", "新电话", "phone", required=False),
            _f("new_address", "新地址", required=False),
        ],
        3,
    ),
]

TICKET_CATEGORIES = [
    ("A", "缴费购气", "缴纳燃气费、IC卡购气、增值产品"),
    ("B", "业务办理", "报装、过户、销户、信息变更、报修"),
    ("C", "咨询投诉", "业务咨询、投诉、建议"),
]

CHECKLISTS = {
    ChecklistItem.Kind.OPENING: [
        (ChecklistItem.Section.ENVIRONMENT, "照明、空调、叫号机、显示屏正常开启"),
        (ChecklistItem.Section.ENVIRONMENT, "等候区座椅、填单台整齐，便民用品齐全"),
        (ChecklistItem.Section.HYGIENE, "大厅地面、柜台、玻璃清洁无杂物"),
        (ChecklistItem.Section.NOTICES, "收费标准、办事指南、服务承诺公示齐全有效"),
        (ChecklistItem.Section.EQUIPMENT, "电脑、打印机、验钞机、POS机、评价器正常"),
        (ChecklistItem.Section.FIRE_SAFETY, "灭火器在有效期内、压力正常"),
        (ChecklistItem.Section.FIRE_SAFETY, "安全出口、疏散通道畅通无堵塞"),
        (ChecklistItem.Section.FIRE_SAFETY, "当班人员掌握“三懂三会三能”"),
    ],
    ChecklistItem.Kind.CLOSING: [
        (ChecklistItem.Section.EQUIPMENT, "电脑、打印机、叫号机、显示屏已关闭"),
        (ChecklistItem.Section.HYGIENE, "柜台、等候区清理完毕"),
        (ChecklistItem.Section.ENVIRONMENT, "门窗关闭、空调照明关闭"),
        (ChecklistItem.Section.FIRE_SAFETY, "无火灾隐患，电源已切断"),
    ],
}

INCIDENT_STEPS = {
    IncidentKind.POWER_OUTAGE: [
        "安抚现场客户，说明情况",
        "启用应急照明，保护现金和票据",
        "联系物业/供电部门了解恢复时间",
        "记录未办结业务，恢复后优先办理",
    ],
    IncidentKind.CUSTOMER_ILL: [
        "将客户安置在安全通风处",
        "询问病史，必要时拨打120",
        "联系客户家属",
        "记录经过并留存联系方式",
    ],
    IncidentKind.UNCIVIL_CUSTOMER: [
        "保持冷静，礼貌劝导",
        "值班经理到场接手，引导至接待室",
        "必要时报警并保留录像",
    ],
    IncidentKind.MEDIA_INTERVIEW: [
        "礼貌接待，不擅自接受采访",
        "立即报告主管及公司宣传部门",
        "引导记者至接待室等候统一口径",
    ],
    IncidentKind.FILMING: [
        "礼貌询问拍摄目的",
        "保护其他客户及员工隐私",
        "报告值班经理，必要时劝阻",
    ],
    IncidentKind.COUNTERFEIT_NOTE: [
        "礼貌告知客户为疑似假币，请客户更换",
        "经客户同意后由两人以上在场鉴别",
        "记录面额和冠字号，按规定上缴银行",
    ],
}


@transaction.atomic
def install_business_types() -> int:
    """The ten business types of spec §3.2 with their documents and fields; existing codes are left alone."""
    created = 0
    for sort, (code, name, workflow, documents, fields, reply_days) in enumerate(BUSINESS_TYPES):
        business_type, made = BusinessType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "workflow": workflow,
                "fields": fields,
                "reply_days": reply_days,
                "sort": sort,
            },
        )
        if made:
            created += 1
            for i, doc in enumerate(documents):
                RequiredDocument.objects.create(business_type=business_type, name=doc, sort=i)
    return created


@transaction.atomic
def install_hall_defaults(hall: Hall) -> None:
    """Ticket queues, checklists and incident steps for a hall that has none of them yet."""
    if not hall.ticket_categories.exists():
        for sort, (prefix, name, description) in enumerate(TICKET_CATEGORIES):
            TicketCategory.objects.create(
                hall=hall, prefix=prefix, name=name, description=description, sort=sort
            )
    if not hall.checklist_items.exists():
        for kind, items in CHECKLISTS.items():
            for sort, (section, text) in enumerate(items):
                ChecklistItem.objects.create(hall=hall, kind=kind, section=section, text=text, sort=sort)
    if not hall.incident_steps.exists():
        for kind, steps in INCIDENT_STEPS.items():
            for sort, text in enumerate(steps):
                IncidentStepTemplate.objects.create(hall=hall, kind=kind, text=text, sort=sort)
