"""Our streaming .xlsx writer (``XlsxExport``, ``write_xlsx``): rows become the sheet's XML as
they come and are deflated into the zip every few hundred rows."""

from __future__ import annotations

import datetime
import math
import re
import zipfile
from collections.abc import Iterable, Sequence

from django.utils import timezone

from .cells import FORMULA_STARTS, _as_date, _display, column_letter, needs_escape
from .specs import NUMBER_FORMATS, ExportColumn, OutKind, _getter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The parts of an .xlsx package that do not depend on the rows (SpreadsheetML, ECMA-376).
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
    "</cp:coreProperties>"
)
# Number formats Excel knows by id (the rest are declared in styles.xml from 164 on).
_BUILTIN_FORMATS = {"#,##0": 3, "#,##0.00": 4, "0.00%": 10}
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Text that needs more than the plain path: XML's three, the control characters (written as
# _xHHHH_ as Excel does, and a literal _xHHHH_ protected so that it reads back as itself),
# and the two non-characters.
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
MAX_CELL_CHARACTERS = 32_767  # Excel's limit; longer text is cut, as XlsxWriter did
_EXCEL_EPOCH = datetime.datetime(1899, 12, 31)
_FLUSH_ROWS = 500
_ESCAPE_FIRST = frozenset("'" + "".join(FORMULA_STARTS))


def _xml_text(text: str) -> str:
    if len(text) > MAX_CELL_CHARACTERS:
        text = text[:MAX_CELL_CHARACTERS]
    if _XML_SPECIAL.search(text):
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group(0)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _xml_attribute(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _excel_serial(value) -> float:
    """A date or naive datetime as Excel's serial number (1900 system, with its leap-year bug)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    delta = value - _EXCEL_EPOCH
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return serial + 1 if serial > 59 else serial


def _number(value) -> str:
    number = float(value)
    if number.is_integer() and -1e16 < number < 1e16:
        return str(int(number))
    if number != number or number in (math.inf, -math.inf):
        raise ValueError(f"An .xlsx cell cannot hold {value!r}")
    return repr(number)


class XlsxExport:
    """A streaming .xlsx writer of our own. Use as a context manager::

        with XlsxExport(path, sheet_name="目标任务", columns=COLUMNS) as export:
            for target in targets.iterator(chunk_size=2000):
                export.write_row(target)
            export.write_totals(["合计", None, total])

    ``target``: a path or a binary file object (need not be seekable). Rows are turned into the
    sheet's XML as they come and deflated into the zip every few hundred rows: memory stays
    flat whatever the row count. The sheet has bold, shaded headers in a frozen first row, an
    autofilter over the data, column widths, a number format per column kind, and text cells
    only as inline strings (never formulas; text a spreadsheet would run gets the apostrophe).

    Why not XlsxWriter (used before, still used for the import templates): its generic per-cell
    bookkeeping makes it 2.5-4x slower than writing the few cell shapes we need directly (make
    bench: roster_export_100k, ``our_writer_s`` against ``floor_s``). The Rust-backed
    rustpy-xlsxwriter writes the same list ~2x faster still, but it pulls rows from an iterator
    (our callers push them), writes totals only as formulas, and is one person's young project;
    with our writer, writing is about half of the roster export; reading and decrypting the rows
    is the other half.
    """

    def __init__(self, target, *, sheet_name: str, columns: Sequence[ExportColumn]):
        self.columns = list(columns)
        self.getters = [_getter(column, index) for index, column in enumerate(self.columns)]
        self.sheet_name = str(sheet_name)[:31]
        if not self.sheet_name or _SHEET_NAME_FORBIDDEN.search(self.sheet_name):
            raise ValueError(f"Invalid sheet name {self.sheet_name!r}")
        self.letters = [column_letter(index) for index in range(len(self.columns))]
        # OutKind's values are interned literals: the hot loop compares them by identity.
        self.kinds = [next(k for k in OutKind.ALL if k == column.kind) for column in self.columns]
        self._add_styles()

        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.stream = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.buffer = [self._sheet_start()]
        self.row_number = 0  # 0-based index of the last row written

    def _add_styles(self) -> None:
        # Style ids: 0 plain, 1 header, then (format, bold format) per number kind, then bold text.
        self.custom_formats: dict[str, int] = {}
        self.style_ids: dict[str, int] = {}
        self.total_style_ids: dict[str, int] = {}
        self.xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        self.xfs.append(
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" '
            'applyFont="1" applyFill="1" applyBorder="1"/>'
        )
        for kind, number_format in NUMBER_FORMATS.items():
            format_id = _BUILTIN_FORMATS.get(number_format) or self.custom_formats.setdefault(
                number_format, 164 + len(self.custom_formats)
            )
            self.style_ids[kind] = len(self.xfs)
            self.xfs.append(
                f'<xf numFmtId="{format_id}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            )
            self.total_style_ids[kind] = len(self.xfs)
            self.xfs.append(
                f'<xf numFmtId="{format_id}" fontId="1" fillId="0" borderId="0" xfId="0" '
                'applyNumberFormat="1" applyFont="1"/>'
            )
        self.bold_text = len(self.xfs)
        self.xfs.append('<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>')

    def _sheet_start(self) -> str:
        """The worksheet's XML up to and including the header row: frozen first row, column widths."""
        widths = "".join(
            f'<col min="{index + 1}" max="{index + 1}" width="{self._width(column)}" customWidth="1"/>'
            for index, column in enumerate(self.columns)
        )
        header = "".join(
            f'<c r="{letter}1" s="1" t="inlineStr"><is>{self._inline(str(column.header))}</is></c>'
            for letter, column in zip(self.letters, self.columns, strict=True)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>'
            f'<row r="1">{header}</row>'
        )

    @staticmethod
    def _width(column: ExportColumn) -> float:
        # XlsxWriter's character width → the stored width (padding of 5 pixels at 7 a character).
        width = column.width or max(8, min(40, len(str(column.header).encode("gbk", "replace")) + 4))
        return round(width + 0.7109375, 8)

    @staticmethod
    def _inline(text: str) -> str:
        text = _xml_text(text)
        if text and (text[0].isspace() or text[-1].isspace()):
            return f'<t xml:space="preserve">{text}</t>'
        return f"<t>{text}</t>"

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()

    def _append(self, values, *, total: bool = False) -> None:
        """One row's XML. The hot loop of every export: plain code, one pass, no helper calls
        on the common path (a short text that needs neither escaping nor whitespace kept)."""
        self.row_number += 1
        number = self.row_number + 1
        styles = self.total_style_ids if total else self.style_ids
        text_style = f' s="{self.bold_text}"' if total else ""
        cells = []
        append = cells.append
        for letter, kind, value in zip(self.letters, self.kinds, values, strict=False):
            if value is None:
                continue
            if value.__class__ is str or kind is OutKind.TEXT or isinstance(value, str | bool):
                text = value if isinstance(value, str) else _display(value)
                if not text:
                    continue
                if text[0] in _ESCAPE_FIRST and needs_escape(text):
                    text = "'" + text
                if len(text) > 200 or _XML_SPECIAL.search(text):
                    text = _xml_text(text)
                if text[0].isspace() or text[-1].isspace():
                    append(
                        f'<c r="{letter}{number}"{text_style} t="inlineStr"><is><t xml:space="preserve">'
                        f"{text}</t></is></c>"
                    )
                else:
                    append(f'<c r="{letter}{number}"{text_style} t="inlineStr"><is><t>{text}</t></is></c>')
            elif kind is OutKind.DATE:
                append(
                    f'<c r="{letter}{number}" s="{styles[kind]}"><v>{_number(_excel_serial(_as_date(value)))}</v></c>'
                )
            else:
                # Decimal → float only here, at the last moment: 15 significant digits survive.
                append(f'<c r="{letter}{number}" s="{styles[kind]}"><v>{_number(value)}</v></c>')
        self.buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self.buffer) >= _FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.stream.write("".join(self.buffer).encode())
        self.buffer = []

    def write_row(self, row) -> None:
        self._append([get(row) for get in self.getters])

    def write_rows(self, rows: Iterable) -> None:
        for row in rows:
            self.write_row(row)

    def write_totals(self, totals) -> None:
        """A bold totals row: a sequence aligned with the columns, or a dict by column index.
        The caller computes the values (no Excel formulas: the file shows what was checked)."""
        values = totals if not isinstance(totals, dict) else [totals.get(i) for i in range(len(self.columns))]
        self._append(list(values)[: len(self.columns)], total=True)

    def close(self) -> None:
        if self.zip is None:
            return
        last = f"{self.letters[-1]}{self.row_number + 1}"
        self.buffer.append(f'</sheetData><autoFilter ref="A1:{last}"/>')
        self.buffer.append(
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>"
        )
        self._flush()
        self.stream.close()
        name = _xml_attribute(self.sheet_name)
        quoted = "'" + self.sheet_name.replace("'", "''") + "'"
        self.zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self.zip.writestr("_rels/.rels", _ROOT_RELS)
        self.zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self.zip.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            "<bookViews><workbookView/></bookViews>"
            f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{_xml_text(quoted)}!$A$1:${self.letters[-1]}${self.row_number + 1}</definedName></definedNames>"
            "</workbook>",
        )
        self.zip.writestr("xl/styles.xml", self._styles())
        now = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.zip.writestr("docProps/core.xml", _CORE.format(now=now))
        self.zip.writestr("docProps/app.xml", _APP)
        self.zip.close()
        self.zip = None

    def _styles(self) -> str:
        formats = "".join(
            f'<numFmt numFmtId="{format_id}" formatCode="{_xml_attribute(code)}"/>'
            for code, format_id in self.custom_formats.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="{len(self.custom_formats)}">{formats}</numFmts>'
            '<fonts count="2">'
            '<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
            '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
            "</fonts>"
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFE9EEF6"/><bgColor indexed="64"/></patternFill></fill>'
            "</fills>"
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
            '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(self.xfs)}">{"".join(self.xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
            'defaultPivotStyle="PivotStyleLight16"/>'
            "</styleSheet>"
        )


def write_xlsx(
    target, *, sheet_name: str, columns: Sequence[ExportColumn], rows: Iterable, totals=None
) -> int:
    """Write ``rows`` to ``target`` (a path or binary file) as one sheet; returns the number of
    data rows written."""
    count = 0
    with XlsxExport(target, sheet_name=sheet_name, columns=columns) as export:
        for row in rows:
            export.write_row(row)
            count += 1
        if totals is not None:
            export.write_totals(totals)
    return count
