"""The printable A4 notice for the village notice board (WeasyPrint).

The CJK font is named explicitly (fonts-noto-cjk): without one WeasyPrint silently draws
boxes instead of characters. The tests check with pdffonts that it is embedded.
"""

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# WeasyPrint reports every layout step at INFO; the portal's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def notice_pdf(*, notice) -> bytes:
    from weasyprint import HTML

    with translation.override("zh-hans"):
        html = render_to_string(
            "publicity/notice_print.html",
            {"notice": notice, "hotline": settings.SUPERVISION_HOTLINE},
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
