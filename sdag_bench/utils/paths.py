"""Project-relative paths: configs name files relative to the project root."""
import os.path as osp
from pathlib import Path
from typing import Optional

#: The repository root (configs/, checkpoints/, data/ live here).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def resolve_project_path(path: Optional[str]) -> Optional[str]:
    """Return ``path`` as given if it exists from the working directory (or is absolute or
    empty), else the same relative path under the project root if that exists, else ``path``
    unchanged (so the caller's error names what the user wrote).

    Args:
        path (str, optional): A file or folder path.

    Returns:
        str | None: The path to use.
    """
    if not path or osp.isabs(path) or osp.exists(path):
        return path
    candidate = PROJECT_ROOT / path
    return str(candidate) if candidate.exists() else path
