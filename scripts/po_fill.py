"""Fill locale/zh_Hans from JSON files of {"English msgid": "中文"} (helpers leave them in
locale/pending/). Run after manage.py makemessages; it lists what is still untranslated or
fuzzy. Needs polib (pip install polib): a translator's tool, not a dependency of the portal.

    python scripts/po_fill.py locale/zh_Hans/LC_MESSAGES/django.po locale/pending/*.json
"""

import json
import sys

import polib


def main(po_path: str, sources: list[str]) -> int:
    po = polib.pofile(po_path)
    translations = {}
    for source in sources:
        with open(source, encoding="utf-8") as handle:
            translations.update(json.load(handle))
    missing = []
    for entry in po:
        if entry.msgid in translations:
            value = translations[entry.msgid]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif "fuzzy" in entry.flags or not (
            entry.msgstr or (entry.msgstr_plural and entry.msgstr_plural.get(0))
        ):
            missing.append(entry.msgid)
    po.metadata.update(
        {
            "Project-Id-Version": "township-portal",
            "Language": "zh_Hans",
            "Language-Team": "Chinese (Simplified)",
        }
    )
    po.metadata_is_fuzzy = []
    po.save()
    print("missing:", json.dumps(missing, ensure_ascii=False, indent=0))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
