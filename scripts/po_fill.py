"""Fill locale/zh_Hans from JSON files of {"English msgid": "中文"} (helpers leave them in
locale/pending/); run after manage.py makemessages. Needs polib (pip install polib)."""
import sys, json, polib
po = polib.pofile(sys.argv[1])
tr = {}
for f in sys.argv[2:]:
    tr.update(json.load(open(f, encoding="utf-8")))
missing = []
for e in po:
    if e.msgid in tr:
        v = tr[e.msgid]
        if e.msgid_plural:
            e.msgstr_plural = {0: v}
        else:
            e.msgstr = v
        if "fuzzy" in e.flags:
            e.flags.remove("fuzzy")
    elif "fuzzy" in e.flags or not (e.msgstr or (e.msgstr_plural and e.msgstr_plural.get(0))):
        missing.append(e.msgid)
po.metadata.update({"Project-Id-Version": "township-portal", "Language": "zh_Hans", "Language-Team": "Chinese (Simplified)", "Last-Translator": "portal team", "PO-Revision-Date": "2026-11-25 18:00+0800"})
if "fuzzy" in po.metadata_is_fuzzy or po.metadata_is_fuzzy:
    po.metadata_is_fuzzy = []
po.save()
print("missing:", json.dumps(missing, ensure_ascii=False, indent=0))
