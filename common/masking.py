"""Masking of personal data wherever it leaves the office: lists, notices, the public site."""


def mask_id_number(value: str | None) -> str:
    """3412**********1234: the first 4 and last 4 characters, the rest starred."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_bank_card(value: str | None) -> str:
    """6228 **** **** 1234 style: the last 4 digits only, with the bank's first 4."""
    if not value:
        return ""
    value = str(value).replace(" ", "")
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*, 欧阳** : the surname character (two for known compound surnames) stays."""
    if not value:
        return ""
    value = str(value).strip()
    if len(value) <= 1:
        return value
    keep = 2 if len(value) >= 3 and value[:2] in COMPOUND_SURNAMES else 1
    return value[:keep] + "*" * (len(value) - keep)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
    }
)
