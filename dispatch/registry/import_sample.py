"""A sample installed-base file: plausible Hangzhou fleets, each vehicle with a terminal and a
SIM, every identifier valid (plates, IMEI and ICCID check digits, mobile numbers).

Used by ``flask --app dispatch import-sample`` and the import page's sample download. The
terminals (``SMP…``), IMEIs (TAC ``35…``), ICCIDs and SIM numbers (``147…``) are from ranges
the demo data never uses, so the sample imports cleanly into a demo database too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from stdnum import luhn

DISTRICTS = ("西湖区", "上城区", "拱墅区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区")
STREETS = ("文三路", "莫干山路", "江南大道", "解放路", "延安路", "古墩路", "天目山路", "建国北路",
           "秋涛路", "滨盛路", "金城路", "文一西路", "东新路", "石桥路", "德胜路", "庆春路")
STEMS = ("顺达", "安运", "通程", "鑫源", "华远", "恒通", "捷安", "盛邦", "远航", "利民", "宏达",
         "金桥", "永安", "骏马", "天成", "众诚", "新禾", "瑞丰", "宝盛", "嘉运", "之江", "钱潮",
         "湖滨", "西溪", "运河", "临安", "富春", "良渚")
TRADES = ("物流有限公司", "出租汽车有限公司", "公交客运有限公司", "冷链运输有限公司",
          "货运代理有限公司", "租车服务有限公司", "建材运输有限公司", "渣土运输有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
         "秀英", "建华", "海燕", "志强", "丽娟", "晓东", "国平", "春梅", "文博", "佳怡", "子轩")
VEHICLES = ("重型货车", "轻型厢式货车", "出租车", "公交车", "轿车", "冷藏车", "渣土车", "危化品运输车")
MODELS = ("GT06N", "JT808-4G", "VT900", "TK915")
CARRIERS = ("中国移动", "中国联通", "中国电信")
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
MOBILE = ("138", "139", "137", "186", "158", "135", "188", "150")


def with_check_digit(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def _plate(rng: random.Random, taken: set[str]) -> str:
    while True:
        if rng.random() < 0.15:  # new-energy plate
            plate = "浙A" + rng.choice("DF") + f"{rng.randrange(10**5):05d}"
        else:
            plate = "浙A" + "".join(rng.choice(PLATE_CHARS) for _ in range(5))
        if plate not in taken:
            taken.add(plate)
            return plate


def sample_rows(count: int, seed: int = 1) -> Iterator[list[str]]:
    """``count`` rows in the installed-base columns: companies with 1–12 vehicles (and now and
    then a private owner with one), each vehicle with a terminal and its SIM."""
    rng = random.Random(seed)
    plates: set[str] = set()
    phones: set[str] = set()
    row = 0
    while row < count:
        private = rng.random() < 0.15
        district = rng.choice(DISTRICTS)
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        name = person if private else (
            "杭州" + district[:2] + rng.choice(STEMS) + rng.choice(TRADES))
        while (phone := rng.choice(MOBILE) + f"{rng.randrange(10**8):08d}") in phones:
            pass
        phones.add(phone)
        contact = person if private else rng.choice(SURNAMES) + rng.choice(GIVEN)
        address = f"浙江省杭州市{district}{rng.choice(STREETS)}{rng.randrange(1, 999)}号"
        credit = rng.choice("AABBBBCD")
        confidentiality = "confidential" if rng.random() < 0.05 else "ordinary"
        for _vehicle in range(1 if private else rng.randrange(1, 13)):
            if row >= count:
                break
            row += 1
            serial = seed % 100 * 10**7 + row
            installed = date(2022, 1, 1) + timedelta(days=rng.randrange(0, 1600))
            yield [name, contact, phone, address, credit, confidentiality, _plate(rng, plates),
                   rng.choice(VEHICLES), f"SMP{serial:09d}",
                   with_check_digit(f"35{serial:012d}"), rng.choice(MODELS),
                   with_check_digit(f"898611{serial:013d}"), f"147{serial % 10**8:08d}",
                   rng.choice(CARRIERS), installed.isoformat(),
                   (installed - timedelta(days=rng.randrange(0, 45))).isoformat()]
