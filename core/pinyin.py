"""Pinyin of Chinese names for search: 张三 is found by "zhangsan", "zhang" or "zs"."""

from functools import lru_cache

from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT

# Surnames read differently from the same characters elsewhere (曾 zeng, not ceng).
SURNAME_READINGS = {
    "万俟": ("mo", "qi"),
    "尉迟": ("yu", "chi"),
    "长孙": ("zhang", "sun"),
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "乐": ("yue",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "秘": ("bi",),
    "种": ("chong",),
    "召": ("shao",),
    "繁": ("po",),
    "员": ("yun",),
}


SURNAMES_LONGEST_FIRST = sorted(SURNAME_READINGS, key=len, reverse=True)


@lru_cache(maxsize=20000)
def _char_syllables(char: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(char, errors="ignore"))


def _syllables(text: str) -> list[str]:
    """``lazy_pinyin(text)``, fast for the usual name: when no run of two or more of its characters
    is one of pypinyin's phrases (长生 reads chang sheng, 长 alone zhang), each character reads as it
    does alone, which is cached. Anything else (a phrase, a character without pinyin) asks pypinyin
    for the whole text."""
    size = len(text)
    if any(text[i:j] in PHRASES_DICT for i in range(size - 1) for j in range(i + 2, size + 1)):
        return lazy_pinyin(text, errors="ignore")
    syllables = []
    for char in text:
        reading = _char_syllables(char)
        if len(reading) != 1:
            return lazy_pinyin(text, errors="ignore")
        syllables.append(reading[0])
    return syllables


def name_syllables(name: str) -> list[str]:
    name = "".join((name or "").split())
    for surname in SURNAMES_LONGEST_FIRST:
        if name.startswith(surname):
            return [*SURNAME_READINGS[surname], *_syllables(name[len(surname) :])]
    return _syllables(name)


def name_pinyin(name: str) -> str:
    """ "zhangsan" for 张三 (lower case, no tones, no spaces)."""
    return "".join(name_syllables(name)).lower()


def name_initials(name: str) -> str:
    """ "zs" for 张三, "oyx" for 欧阳修, "zgf" for 曾国藩."""
    return "".join(syllable[0] for syllable in name_syllables(name) if syllable).lower()


def search_key(name: str) -> str:
    """What a name is stored as for search: full pinyin and initials, space-separated
    (the same as name_pinyin + name_initials, from one pinyin lookup: imports call this per row)."""
    syllables = name_syllables(name)
    initials = "".join(syllable[0] for syllable in syllables if syllable)
    return f"{''.join(syllables)} {initials}".lower().strip()
