"""What an attachment may be, decided from its bytes: a PDF, a PNG or a JPEG, no larger than
`ATTACHMENT_MAX_MB`, with a plain file name.

The type is recognised from the content (its signature, then a parse: Pillow for images, the
header and trailer for PDF), never from the name or the client's declared type, which must
merely agree with it. Images are decoded and re-encoded, so what is stored is pixels without
the camera's metadata (EXIF: place, device, time) and without anything smuggled after the
image data. A PDF is stored as sent, once it is shown to be a PDF and nothing else: not a zip
or an HTML page with a PDF header, and without scripts or launch actions.

Every refusal is a `ValidationError` keyed by the field it concerns (`file` or `name`).
"""

import io
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

from events.inquiries.choices import AttachmentType

NAME_MAX_LENGTH = 200
# A photo of an ECG strip is a few megapixels; this refuses decompression bombs.
MAX_PIXELS = 40_000_000
EXTENSIONS = {
    ".pdf": AttachmentType.PDF,
    ".png": AttachmentType.PNG,
    ".jpg": AttachmentType.JPEG,
    ".jpeg": AttachmentType.JPEG,
}
STORED_EXTENSION = {
    AttachmentType.PDF: "pdf",
    AttachmentType.PNG: "png",
    AttachmentType.JPEG: "jpg",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
# What a PDF must not be or carry: another format behind its header, or active content.
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
HTML_MARKERS = (b"<html", b"<!doctype", b"<script", b"<body", b"<head", b"<svg", b"<iframe")
# Long names only: a short one ("/JS") turns up by chance in compressed streams.
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
# A zip reader finds an archive by its end record within the last 64 KiB (plus the record).
ZIP_END_WINDOW = 65_557
# A declared type the client may send for any file: it says nothing either way.
NEUTRAL_DECLARED_TYPES = ("", "application/octet-stream", "binary/octet-stream")


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every rule: the bytes to store, their type and the given name."""

    content: bytes
    content_type: AttachmentType
    name: str

    @property
    def stored_extension(self) -> str:
        return STORED_EXTENSION[self.content_type]


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_MB) * 1024 * 1024


def check_name(name: str) -> str:
    """The file name as given, when it is a plain name: no folders, no control or invisible
    formatting characters, a known extension, at most 200 characters."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"name": "Give the file a name."})
    if name != name.strip():
        raise ValidationError({"name": "The file name cannot start or end with spaces."})
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ValidationError(
            {"name": "The file name cannot contain control or invisible formatting characters."}
        )
    is_plain = PurePosixPath(name).name == name and PureWindowsPath(name).name == name
    if not is_plain or name in (".", "..") or ":" in name:
        raise ValidationError(
            {"name": "Give the file name only, without folders (no / \\ : or ..)."}
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": f"The file name is longer than {NAME_MAX_LENGTH} characters."}
        )
    if PurePosixPath(name).suffix.lower() not in EXTENSIONS:
        raise ValidationError({"name": "Attach a PDF, PNG or JPEG file (.pdf, .png, .jpg)."})
    return name


def check_file(content: bytes, *, name: str, declared_type: str = "") -> CheckedFile:
    """The bytes to store for an upload, or a refusal naming the field."""
    name = check_name(name)
    if not content:
        raise ValidationError({"file": "The file is empty."})
    if len(content) > max_bytes():
        raise ValidationError({"file": f"The file is larger than {settings.ATTACHMENT_MAX_MB} MB."})
    found = _recognise(content)
    claimed = EXTENSIONS[PurePosixPath(name).suffix.lower()]
    if found != claimed:
        raise ValidationError(
            {"file": f"The content is {_label(found)}, but the name says {_label(claimed)}."}
        )
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in NEUTRAL_DECLARED_TYPES and declared != found.value:
        raise ValidationError(
            {"file": f"The content is {_label(found)}, but it was sent as {declared[:60]}."}
        )
    if found == AttachmentType.PDF:
        _check_pdf(content)
        return CheckedFile(content, found, name)
    return CheckedFile(_reencoded_image(content, found), found, name)


def _label(content_type: AttachmentType) -> str:
    return {"application/pdf": "a PDF", "image/png": "a PNG image", "image/jpeg": "a JPEG image"}[
        content_type.value
    ]


def _recognise(content: bytes) -> AttachmentType:
    if content.startswith(PDF_SIGNATURE):
        return AttachmentType.PDF
    if content.startswith(PNG_SIGNATURE):
        return AttachmentType.PNG
    if content.startswith(JPEG_SIGNATURE):
        return AttachmentType.JPEG
    if content.startswith(ZIP_SIGNATURES):
        raise ValidationError({"file": "A zip archive cannot be attached: send a PDF or image."})
    raise ValidationError(
        {"file": "The content is not a PDF, PNG or JPEG file (whatever its name says)."}
    )


def _check_pdf(content: bytes) -> None:
    """A PDF from header to trailer, and nothing else."""
    # Browsers sniff HTML from the first bytes; a page may also follow the trailer. Only the
    # ends are searched: compressed streams in between would match a short marker by chance.
    head, tail = content[:1024], content[-1024:]
    if not content[5:8].replace(b".", b"").isdigit():
        raise ValidationError({"file": "The file starts like a PDF but has no PDF version."})
    ends = (head + tail).lower()
    if any(marker in ends for marker in HTML_MARKERS):
        raise ValidationError({"file": "The file is an HTML page disguised as a PDF."})
    if b"PK\x05\x06" in content[-ZIP_END_WINDOW:] or content.find(b"PK\x03\x04", 0, 1024) >= 0:
        raise ValidationError({"file": "The file is a zip archive disguised as a PDF."})
    if b"%%EOF" not in tail or b"startxref" not in content[-4096:]:
        raise ValidationError({"file": "The PDF is incomplete: it has no trailer (%%EOF)."})
    if b"trailer" not in content and b"/XRef" not in content:
        raise ValidationError({"file": "The PDF has no cross-reference table or stream."})
    if any(token in content for token in PDF_ACTIVE_CONTENT):
        raise ValidationError(
            {"file": "The PDF contains scripts, launch actions or embedded files."}
        )


def _reencoded_image(content: bytes, content_type: AttachmentType) -> bytes:
    """The image decoded and written anew in its own format: pixels only, upright (the EXIF
    orientation applied), without EXIF, comments or trailing data."""
    expected = "PNG" if content_type == AttachmentType.PNG else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                if probe.format != expected:
                    raise ValidationError({"file": f"The image is not a valid {expected}."})
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ValidationError({"file": "The image has too many pixels."})
                probe.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise ValidationError({"file": f"The image cannot be read as a {expected}."}) from error
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    if "transparency" in upright.info and upright.mode in ("P", "L", "RGB"):
        clean.info["transparency"] = upright.info["transparency"]
    if upright.mode == "P":
        clean.putpalette(upright.getpalette() or [])
    out = io.BytesIO()
    if expected == "JPEG":
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(out, format="JPEG", quality=90, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()
