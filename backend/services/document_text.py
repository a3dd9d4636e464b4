"""Recognise an uploaded file by its content and extract its text. Blocking: run in a thread.

PDF (pypdf), DOCX (python-docx), and UTF-8 text or Markdown. The type comes from the bytes,
and must agree with the file's extension; a DOCX whose unpacked size explodes is refused
before it is parsed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document as DocxDocument
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from backend.core.errors import AppError, UnprocessableError, UnsupportedMediaTypeError
from backend.core.text import storable, unstorable

EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md"}
MAX_UNPACKED_DOCX_BYTES = 50 * 1024 * 1024
MAX_DOCX_RATIO = 100  # unpacked / packed
# NUL and the other C0 controls, DEL: no file name has them, and PostgreSQL cannot store NUL.
_FILENAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ExtractedText:
    file_type: str
    text: str
    pages: int | None


def _unreadable(reason: str) -> UnprocessableError:
    return UnprocessableError(
        reason, details=[{"field": "file", "message": reason, "type": "unreadable_file"}]
    )


def check_filename(filename: str) -> str:
    """An uploaded file's name, refused (422 `unstorable_text`) if it holds a control
    character or a lone surrogate: the name is stored, and the database cannot keep those."""
    if unstorable(filename) or _FILENAME_CONTROL.search(filename):
        reason = "The file name holds control characters or invalid Unicode: rename the file."
        raise UnprocessableError(
            reason, details=[{"field": "file", "message": reason, "type": "unstorable_text"}]
        )
    return filename


def sniff(path: Path, filename: str) -> str:
    """The file's type from its first bytes, checked against its extension."""
    declared = EXTENSIONS.get(Path(filename).suffix.lower())
    if declared is None:
        raise UnsupportedMediaTypeError(
            f"Unsupported file type '{Path(filename).suffix or filename}': "
            "use PDF, DOCX, TXT or MD."
        )
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        raise _unreadable("The file is empty.")
    if head.startswith(b"%PDF-"):
        actual = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        actual = "docx" if _is_docx(path) else "zip"
    elif b"\x00" in head:
        actual = "binary"
    else:
        actual = "text"
    expected = "text" if declared in {"txt", "md"} else declared
    if actual != expected:
        raise UnsupportedMediaTypeError(
            f"The file's content is not {declared.upper()} (it looks like {actual})."
        )
    return declared


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def extract(path: Path, file_type: str) -> ExtractedText:
    if file_type == "pdf":
        text, pages = _pdf(path)
    elif file_type == "docx":
        text, pages = _docx(path), None
    else:
        text, pages = _text(path), None
    # From the file, not the user: mended, not refused (a text file with a NUL already was).
    text = storable(text).strip()
    if not text:
        raise _unreadable(
            "No text could be extracted (a scanned PDF needs OCR first)."
            if file_type == "pdf"
            else "The file holds no text."
        )
    return ExtractedText(file_type=file_type, text=text, pages=pages)


def _pdf(path: Path) -> tuple[str, int]:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _unreadable("The PDF is encrypted with a password: upload an unlocked copy.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except AppError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _unreadable(f"The PDF is damaged and cannot be read ({type(exc).__name__}).") from exc
    except Exception as exc:  # pypdf raises many kinds on malformed input
        raise _unreadable(f"The PDF cannot be read ({type(exc).__name__}).") from exc
    return "\n\n".join(pages), len(pages)


def _docx(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            packed = max(1, sum(info.compress_size for info in archive.infolist()))
    except zipfile.BadZipFile as exc:
        raise _unreadable("The DOCX is damaged and cannot be read.") from exc
    if unpacked > MAX_UNPACKED_DOCX_BYTES or unpacked / packed > MAX_DOCX_RATIO:
        raise _unreadable(
            f"The DOCX would unpack to {unpacked // 1_048_576} MB: refused as a possible zip bomb."
        )
    try:
        document = DocxDocument(str(path))
    except Exception as exc:  # python-docx raises several kinds on malformed packages
        raise _unreadable(f"The DOCX cannot be read ({type(exc).__name__}).") from exc
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _text(path: Path) -> str:
    """UTF-8 without NUL anywhere: `sniff` reads only the head, and a NUL further on means
    the file is not text (nor could it be stored)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable("The text file is not UTF-8: save it as UTF-8 and upload again.") from exc
    if "\x00" in text:
        raise _unreadable("The file holds NUL bytes, so it is not text: upload a text file.")
    return text
