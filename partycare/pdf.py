"""The paper forms of 暖心工程 as PDF (WeasyPrint, Noto CJK): 老党员摸底登记表, 特困党员救助申请表,
党员领导干部帮扶困难党员登记表. Templates under templates/partycare/pdf/; the font comes from the
system (fonts-noto-cjk), nothing is fetched."""

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()
