"""Guards for values that come from the extract and leave the tool as file paths."""

import hashlib
import re

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def safe_filename(name: str) -> str:
    """A file name for a value from the data (an institution id, say).

    Plain ASCII ids are used as they are, so paths stay predictable for other tools;
    anything else (Chinese, slashes, dots only) becomes a readable slug plus a short hash,
    so two different ids never share a file and none can escape the output folder.
    """
    if _PLAIN_NAME.match(name) and not set(name) <= {"."}:
        return name
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:40] or "id"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}"
