"""Building blocks for demo data: Chinese names and valid ID numbers that belong to nobody.

The ID numbers use region code 99xxxx: no province has code 99 in GB/T 2260, so a number made
here passes the checksum yet can never be a real person's.
"""

import datetime
import random

from core.idcard import make_id_number

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国玉兰海燕志强红梅德明春花子涵浩然雨轩"
    "欣怡梓萱俊杰宇航佳怡晨阳思远嘉怡振华凤英金凤永福长林桂芝秀珍淑华玉珍德胜建华国庆红霞小燕"
)
DEMO_REGION = "991226"


def chinese_name(rng: random.Random) -> str:
    given_len = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))


def demo_id_number(
    rng: random.Random,
    *,
    sequence: int,
    min_age: int = 0,
    max_age: int = 95,
    today: datetime.date | None = None,
    sex: str | None = None,
) -> str:
    """A valid 18-character ID number in the fictional region 991226."""
    today = today or datetime.date.today()
    age_days = rng.randint(min_age * 365 + 1, max_age * 365)
    birth = today - datetime.timedelta(days=age_days)
    return make_id_number(
        region=DEMO_REGION, birth_date=birth, sequence=sequence, sex=sex or rng.choice("MF")
    )
