"""The reference data every fresh database starts with (loaded by the first migration).

Do not edit these lists to change a live database: the administrator edits the rows, and a later change
to the defaults belongs in a new migration.
"""

from __future__ import annotations

from datetime import date

SKILLS: list[dict[str, str]] = [
    {
        "code": "remote_assembly",
        "name_zh": "遥控器组装",
        "name_en": "Remote control assembly",
        "unit_zh": "个",
        "unit_en": "piece",
    },
    {
        "code": "fridge_magnet",
        "name_zh": "冰箱贴彩绘",
        "name_en": "Fridge magnet painting",
        "unit_zh": "个",
        "unit_en": "piece",
    },
    {"code": "knitting", "name_zh": "手工编织", "name_en": "Knitting", "unit_zh": "件", "unit_en": "piece"},
    {
        "code": "flower_weaving",
        "name_zh": "手工编花",
        "name_en": "Hand-woven flowers",
        "unit_zh": "朵",
        "unit_en": "flower",
    },
    {
        "code": "button_knots",
        "name_zh": "盘扣制作",
        "name_en": "Knot buttons",
        "unit_zh": "个",
        "unit_en": "button",
    },
    {
        "code": "straw_weaving",
        "name_zh": "草编",
        "name_en": "Straw weaving",
        "unit_zh": "件",
        "unit_en": "piece",
    },
    {
        "code": "steamed_buns",
        "name_zh": "花样面食",
        "name_en": "Decorated steamed buns",
        "unit_zh": "个",
        "unit_en": "bun",
    },
]

# Qingdao's districts and county-level cities with their minimum-wage tier (一类 = 1, 二类 = 2).
DISTRICTS: list[dict[str, object]] = [
    {"name": "市南区", "tier": 1},
    {"name": "市北区", "tier": 1},
    {"name": "李沧区", "tier": 1},
    {"name": "崂山区", "tier": 1},
    {"name": "城阳区", "tier": 1},
    {"name": "黄岛区", "tier": 1},
    {"name": "即墨区", "tier": 1},
    {"name": "胶州市", "tier": 1},
    {"name": "平度市", "tier": 2},
    {"name": "莱西市", "tier": 2},
]

# Whether a figure still has to be confirmed is the `confirmed` flag, shown next to the source.
WAGE_SOURCE = "山东省人民政府关于调整全省最低工资标准的通知（自2023年10月1日起执行）；青岛市区（市）档次划分"


# Shandong's standards from 2023-10-01: monthly 2200 / 2000 / 1800 yuan, part-time hourly 22 / 20 / 18 yuan.
MINIMUM_WAGES: list[dict[str, object]] = [
    {
        "tier": 1,
        "hourly_fen": 2200,
        "monthly_fen": 220000,
        "effective_from": date(2023, 10, 1),
        "source": WAGE_SOURCE,
        "confirmed": False,
    },
    {
        "tier": 2,
        "hourly_fen": 2000,
        "monthly_fen": 200000,
        "effective_from": date(2023, 10, 1),
        "source": WAGE_SOURCE,
        "confirmed": False,
    },
    {
        "tier": 3,
        "hourly_fen": 1800,
        "monthly_fen": 180000,
        "effective_from": date(2023, 10, 1),
        "source": WAGE_SOURCE,
        "confirmed": False,
    },
]
