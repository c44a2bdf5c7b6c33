"""The certificate as a PDF: A4 landscape, WeasyPrint, a subset CJK font, the QR code of its
verification URL, PDF/A-3b with the signed credential embedded as a file.

Rendered once, at issue; the stored bytes are what every download returns, so a later change to
this template never alters an issued certificate.
"""

from __future__ import annotations

import base64
import subprocess
from functools import lru_cache
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML, Attachment

from exam_app.certificates.rules import Printed
from exam_app.config import PROJECT_ROOT
from exam_app.i18n import DISPLAY_TZ

TEMPLATES = PROJECT_ROOT / "templates" / "certificates"
#: Families tried in order; the set-up commands install WenQuanYi Micro Hei (Debian).
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
)


class NoCJKFont(RuntimeError):
    """No Chinese font is installed: a certificate would print boxes instead of characters."""


@lru_cache(maxsize=1)
def installed_cjk_fonts() -> tuple[str, ...]:
    """Families fontconfig knows that cover Chinese (read once per process)."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(sorted({name.strip() for line in out.splitlines() for name in line.split(",")}))


def check_fonts() -> None:
    """:raises NoCJKFont: with what to install"""
    if not installed_cjk_fonts():
        raise NoCJKFont(
            "no Chinese font installed: install Debian's fonts-wqy-microhei (make system-deps)"
        )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def html_for(cert: Printed, code: str, seal_png: bytes | None) -> str:
    """``code``: the verification code as printed (grouped); ``seal_png``: HR's seal image."""
    seal = "data:image/png;base64," + base64.b64encode(seal_png).decode() if seal_png else None
    return (
        _environment()
        .get_template("certificate.html")
        .render(
            c=cert,
            code=code,
            seal=seal,
            qr=_qr_svg(cert.verify_url),
            fonts=", ".join(f'"{f}"' for f in CJK_FAMILIES),
            issued_local=cert.issued_at.astimezone(DISPLAY_TZ),
        )
    )


def render_pdf(cert: Printed, code: str, seal_png: bytes | None, credential_jwt: str) -> bytes:
    """The PDF bytes.

    :raises NoCJKFont: when no Chinese font is installed (refused rather than printing boxes)
    """
    check_fonts()
    css = (TEMPLATES / "certificate.css").read_text(encoding="utf-8")
    attachment = Attachment(
        string=credential_jwt,
        name="credential.jwt",
        description="Open Badges 3.0 credential (VC-JWT, EdDSA)",
        relationship="Data",
    )
    return HTML(
        string=html_for(cert, code, seal_png).replace("/*CSS*/", css), base_url=str(TEMPLATES)
    ).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        custom_metadata=False,
        uncompressed_pdf=False,
    )


def sample_path() -> Path:
    return TEMPLATES / "certificate.html"
