"""Demo data: a GPS installer in Hangzhou with its staff, technicians, customers and devices."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.auth.services import create_user
from dispatch.extensions import db
from dispatch.handovers.log import write_handover
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.technicians.models import Technician
from inventory.demo import load_demo_stock
from inventory.models import Part
from workorders.care.demo import load_care_demo
from workorders.demo import load_order_demo

CENTER = (30.2741, 120.1551)
DISTRICTS = [
    ("西湖区", 30.2590, 120.1300), ("上城区", 30.2420, 120.1690), ("拱墅区", 30.3190, 120.1420),
    ("滨江区", 30.2080, 120.2110), ("萧山区", 30.1850, 120.2640), ("余杭区", 30.4190, 120.3010),
    ("临平区", 30.4210, 120.2990), ("钱塘区", 30.3230, 120.4930),
]
STREETS = ["文三路", "莫干山路", "江南大道", "解放路", "延安路", "古墩路", "天目山路", "建国北路",
           "秋涛路", "滨盛路", "金城路", "文一西路", "东新路", "石桥路", "德胜路", "庆春路"]
COMPANY_STEMS = ["顺达", "安运", "通程", "鑫源", "华远", "恒通", "捷安", "盛邦", "远航", "利民",
                 "宏达", "金桥", "永安", "骏马", "天成", "众诚", "新禾", "瑞丰", "宝盛", "嘉运"]
COMPANY_KINDS = ["物流有限公司", "出租汽车有限公司", "公交客运有限公司", "冷链运输有限公司",
                 "货运代理有限公司", "租车服务有限公司", "建材运输有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
         "秀英", "建华", "海燕", "志强", "丽娟", "晓东", "国平", "春梅", "文博"]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
TERMINAL_MODELS = ["GT06N", "JT808-4G", "VT900", "TK915"]
PARTS = [
    *[(f"TERM-{model}", f"{model} 车载定位终端", "terminal", True, "380.00")
      for model in TERMINAL_MODELS],
    ("SIM-IOT", "物联网 SIM 卡", "sim", True, "30.00"),
    ("HARNESS-12V", "12V 电源线束", "harness", False, "25.50"),
    ("HARNESS-24V", "24V 电源线束", "harness", False, "28.00"),
    ("RELAY-5P", "断油断电继电器", "relay", False, "45.00"),
    ("ANT-GPS", "GPS 外置天线", "antenna", False, "35.00"),
    ("ANT-4G", "4G 外置天线", "antenna", False, "32.00"),
    ("FUSE-5A", "5A 保险丝座", "other", False, "6.00"),
]
STAFF = [
    ("admin", "admin", "系统管理员"), ("manager", "manager", "周经理"),
    ("agent", "agent", "客服 林晓"), ("dispatcher", "dispatcher", "调度 陈刚"),
    ("finance", "finance", "财务 吴敏"), ("warehouse", "warehouse", "库管 郑强"),
]


def _luhn_complete(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return body + str((10 - total % 10) % 10)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return "+86" + rng.choice(["138", "139", "137", "186", "158", "135"]) + f"{rng.randrange(10**8):08d}"


def _plate(rng: random.Random, taken: set[str]) -> str:
    while True:
        plate = "浙A" + "".join(rng.choice(PLATE_LETTERS) for _ in range(5))
        if rng.random() < 0.15:
            plate = "浙AD" + f"{rng.randrange(10**5):05d}"
        if plate not in taken:
            taken.add(plate)
            return plate


def load_demo(password: str) -> str:
    """Create the demo records unless they exist; returns what to tell the user."""
    if db.session.scalar(select(User.id).where(User.username == "manager")):
        return "Demo data is already loaded.\n" + _login_help(password)
    rng = random.Random(2026)
    for username, role, name in STAFF:
        create_user(username, password, [role], name=name)

    for number in range(1, 13):
        _district, lat, lon = DISTRICTS[number % len(DISTRICTS)]
        user = create_user(f"tech{number:02d}", password, ["technician"], name=_person(rng))
        skills = ["install", "repair"] + (["removal", "inspection"] if number % 3 == 0 else [])
        skills.append("model:" + TERMINAL_MODELS[number % len(TERMINAL_MODELS)])
        db.session.add(Technician(
            user=user, phone=_mobile(rng), skills=skills,
            home_lat=round(lat + rng.uniform(-0.03, 0.03), 6),
            home_lon=round(lon + rng.uniform(-0.03, 0.03), 6),
            daily_capacity=rng.choice([6, 8, 8, 10]),
        ))

    for sku, name, category, serialized, price in PARTS:
        db.session.add(Part(sku=sku, name=name, category=category, serialized=serialized,
                            price=Decimal(price), reorder_point=5,
                            model_code=sku[5:] if category == "terminal" else None))
    db.session.flush()
    plates: set[str] = set()
    serial = 0
    for index in range(44):
        district, lat, lon = DISTRICTS[index % len(DISTRICTS)]
        private = index % 5 == 4
        name = _person(rng) if private else (
            "杭州" + COMPANY_STEMS[index % len(COMPANY_STEMS)] + rng.choice(COMPANY_KINDS))
        customer = Customer(
            name=name, contact_name=_person(rng), phone=_mobile(rng),
            address=f"浙江省杭州市{district}{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
            lat=round(lat + rng.uniform(-0.04, 0.04), 6), lon=round(lon + rng.uniform(-0.04, 0.04), 6),
            confidentiality="secret" if index == 7 else ("confidential" if index % 11 == 0 else "ordinary"),
            credit_class=rng.choice("AABBBBCD"), overseas=index == 13,
        )
        db.session.add(customer)
        for _vehicle in range(1 if private else rng.randrange(2, 5)):
            vehicle = Vehicle(customer=customer, plate=_plate(rng, plates),
                              description=rng.choice(["重型货车", "出租车", "公交车", "轿车", "冷藏车"]))
            serial += 1
            installed = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 650))
            terminal = Terminal(
                terminal_id=f"HZ{serial:08d}", imei=_luhn_complete(f"86{serial:012d}"),
                model=(model := rng.choice(TERMINAL_MODELS)), sku=f"TERM-{model}",
                firmware="v2.3." + str(rng.randrange(1, 9)),
                status="installed", vehicle=vehicle, purchase_date=installed - timedelta(days=20),
                install_date=installed, warranty_end=installed + timedelta(days=365),
            )
            sim = Sim(iccid=_luhn_complete(f"898600{serial:013d}"), msisdn=_mobile(rng),
                      carrier=rng.choice(["中国移动", "中国联通", "中国电信"]), status="installed",
                      terminal=terminal, sku="SIM-IOT")
            since = datetime.combine(installed, time(10), tzinfo=UTC)
            db.session.add_all([
                vehicle, terminal, sim,
                Installation(vehicle=vehicle, device_kind="terminal", terminal=terminal,
                             installed_at=since),
                Installation(vehicle=vehicle, device_kind="sim", sim=sim, installed_at=since),
            ])
    for spare in range(1, 41):
        serial += 1
        db.session.add(Terminal(terminal_id=f"HZ{serial:08d}",
                                imei=_luhn_complete(f"86{serial:012d}"),
                                model=(model := TERMINAL_MODELS[spare % len(TERMINAL_MODELS)]),
                                sku=f"TERM-{model}", status="in_stock",
                                purchase_date=date(2026, 9, 1)))
        db.session.add(Sim(iccid=_luhn_complete(f"898600{serial:013d}"), carrier="中国移动",
                           status="in_stock", sku="SIM-IOT"))
    db.session.flush()
    load_demo_stock(db.session.scalars(select(User).where(User.username == "warehouse")).one())
    agent = db.session.scalars(select(User).where(User.username == "agent")).one()
    write_handover({"open_problems": "顺达物流投诉终端频繁掉线，已上报经理，待答复。",
                    "pending_items": "明天上午回访昨日完成的维修工单。"}, agent)
    load_order_demo(rng)
    load_care_demo(rng)
    db.session.flush()
    return "Demo data loaded.\n" + _login_help(password)


def _login_help(password: str) -> str:
    names = ", ".join(username for username, _role, _name in STAFF)
    return (f"Sign in at http://127.0.0.1:5000/login as one of: {names}, tech01 … tech12 "
            f"(password: {password}).")
