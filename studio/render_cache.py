"""The render cache: every play's partial movie file, keyed by what it draws, and a manifest per scene render.

``media/cache/render/`` (``$BYZMW_MEDIA``) holds:

- ``plays/<kk>/<key>.mp4`` and ``<key>.json``: one play's partial movie file and its record (frames, size,
  sha256, the seconds its render took). The key (:func:`play_key`) is the digest of every frame the play draws
  (:func:`studio.segments.probe`) with everything else that decides the file's bytes: the camera (pixels, frame,
  frame rate), the encoder (codec, its x264 thread count, file type, transparency) and the versions of manim,
  cairo, pango, PyAV/FFmpeg and numpy. Written atomically, video first and record last; trusted only when the
  record parses, names its key, and the video has its size and sha256 and demuxes to its frame count when it
  is stored. Anything else is a miss: the entry is removed and the play rendered again, never joined.
- ``scenes/<key>.json``: what a probe of one scene found (the plays' keys and frame counts, the subtitles, the
  movie's place), under :func:`scene_key`: the scene's code and every project module it imports, the theme,
  ``manim.cfg``, the trace file's sha256, the options (parameters, seed, pace, theme, quality) and the same
  versions and encoder. A render whose scene key is there needs no probe at all.
- ``costs/<scene>__<mode>__<quality>.json``: the seconds each play took to render, for scheduling.

``BYZMW_RENDER_CACHE=off`` (or ``--no-cache``) reuses nothing (a cold render) and refreshes the entries.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kit.options import RenderOptions
from kit.paths import ASSETS, MANIM_CFG, REPO, media_dir
from sim.core.files import atomic_write
from sim.core.params import Param

ENGINE = 2  # bump when the meaning of a key changes (what the probe hashes, how plays are rendered)
_RECORD_MAX = 1 << 16
_MANIFEST_MAX = 1 << 24
_PROJECT_PACKAGES = ("scenes", "kit", "sim")


def cache_root() -> Path:
    return media_dir() / "cache" / "render"


CACHE = Param("BYZMW_RENDER_CACHE", str, "on", "renders reuse unchanged segments", choices=("on", "off"))


def enabled(flag: bool | None = None) -> bool:
    """Whether renders reuse the cache: ``flag`` if given, else ``$BYZMW_RENDER_CACHE`` (on, the default, or off)."""
    if flag is not None:
        return bool(flag)
    return CACHE.coerce(os.environ.get(CACHE.name, "on").strip().lower() or "on") == "on"


def _read(path: Path, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of a file (more than ``limit``: not ours)."""
    with open(path, "rb") as f:
        return f.read(limit + 1)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(obj) -> str:
    return _sha(json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode())


# -- what every key shares ----------------------------------------------------------------------------------
@cache
def versions() -> dict:
    """Versions of everything between a scene's state and the bytes of its video."""
    from importlib.metadata import version

    import av
    import cairo
    import manimpango
    import numpy

    return {
        "python": platform.python_version(),
        "manim": version("manim"),
        "manim-slides": version("manim-slides"),
        "numpy": numpy.__version__,
        "pycairo": cairo.version,
        "cairo": cairo.cairo_version_string(),
        "manimpango": manimpango.__version__,
        "pango": manimpango.pango_version(),
        "av": av.__version__,
        "libav": {k: list(v) for k, v in av.library_versions.items()},
    }


def render_context(cfg, threads: int) -> dict:
    """Camera and encoder settings of the manim config ``cfg`` (inside kit.manim_env.manim_config)."""
    return {
        "engine": ENGINE,
        "versions": versions(),
        "pixels": [int(cfg.pixel_width), int(cfg.pixel_height)],
        "frame": [float(cfg.frame_width), float(cfg.frame_height)],
        "fps": float(cfg.frame_rate),
        "ext": str(cfg.movie_file_extension),
        "transparent": bool(cfg.transparent),
        "encoder": {"codec": "libx264", "crf": 23, "pix_fmt": "yuv420p", "threads": int(threads)},
    }


def play_key(context: Mapping, digest: str, frames: int) -> str:
    """The cache key of a play's partial movie file: what it draws (``digest``), its length, how it is encoded."""
    return _key({"context": context, "digest": digest, "frames": int(frames)})


# -- the code a scene runs ---------------------------------------------------------------------------------
def _module_file(mod: str) -> Path | None:
    parts = mod.split(".")
    base = REPO.joinpath(*parts)
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


def _imports(mod: str, file: Path) -> set[str]:
    """Project modules ``file`` imports anywhere (top level or inside functions), with their packages."""
    tree = ast.parse(file.read_bytes(), filename=str(file))
    pkg = mod if file.name == "__init__.py" else mod.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.split(".")
                up = up[: len(up) - (node.level - 1)] if node.level > 1 else up
                base = ".".join(p for p in (*up, base) if p)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    out = set()
    for name in found:
        parts = name.split(".")
        if parts[0] not in _PROJECT_PACKAGES:
            continue
        for i in range(1, len(parts) + 1):  # the module and the packages it is in
            out.add(".".join(parts[:i]))
    return {m for m in out if _module_file(m) is not None}


def code_digest(module: str) -> dict:
    """{module: sha256 of its source} for ``module`` and every project module it imports, transitively."""
    seen, todo = {}, [module]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        f = _module_file(m)
        if f is None:
            continue
        seen[m] = _sha(f.read_bytes())
        todo.extend(_imports(m, f) - set(seen))
    return dict(sorted(seen.items()))


def scene_key(entry, options: RenderOptions, mode: str, trace_sha: str | None, threads: int, quality_cfg) -> str:
    """Everything a scene render depends on (see the module docstring)."""
    return _key(
        {
            "engine": ENGINE,
            "mode": mode,
            "scene": [entry.name, entry.module],
            "code": code_digest(entry.module),
            "theme": _sha((ASSETS / "theme.toml").read_bytes()),
            "manim.cfg": _sha(MANIM_CFG.read_bytes()),
            "trace": trace_sha,
            "options": {
                "sets": dict(options.sets),
                "seed": options.seed,
                "pace": options.pace,
                "theme": options.theme,
                "quality": options.quality,
                "transparent": options.transparent,
            },
            "context": render_context(quality_cfg, threads),
        }
    )


# -- play entries ----------------------------------------------------------------------------------------
def _is_key(key) -> bool:
    return isinstance(key, str) and len(key) == 64 and all(c in "0123456789abcdef" for c in key)


def _safe_movie(rel) -> bool:
    """A manifest's movie path: relative, inside the media folder, an mp4/mov/webm."""
    if not isinstance(rel, str) or not rel or len(rel) > 1000 or "\0" in rel:
        return False
    p = Path(rel)
    return not p.is_absolute() and ".." not in p.parts and p.suffix in (".mp4", ".mov", ".webm")


def _entry(key: str) -> tuple[Path, Path]:
    if not _is_key(key):
        raise ValueError(f"render cache: not a key: {str(key)[:80]!r}")
    d = cache_root() / "plays" / key[:2]
    return d / f"{key}.mp4", d / f"{key}.json"


def frame_count(data: bytes) -> int:
    """Frames of a partial movie file (its video packets), demuxed; raises on a file that does not parse."""
    import av

    with av.open(io.BytesIO(data)) as c:
        if not c.streams.video:
            raise ValueError("no video stream")
        return sum(1 for p in c.demux(c.streams.video[0]) if p.size)


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except OSError:
            pass


@dataclass(frozen=True)
class Entry:
    path: Path
    frames: int
    seconds: float  # what rendering it took (scheduling)


def get(key: str, frames: int) -> Entry | None:
    """The valid entry of ``key`` with ``frames`` frames, or None (a broken or partial entry is removed)."""
    video, record = _entry(key)
    try:
        raw = _read(record, _RECORD_MAX)
    except OSError:
        return None
    try:
        rec = json.loads(raw) if len(raw) <= _RECORD_MAX else None
        ok = (
            isinstance(rec, dict)
            and rec.get("engine") == ENGINE
            and rec.get("key") == key
            and rec.get("frames") == frames
            and isinstance(rec.get("size"), int)
            and isinstance(rec.get("sha256"), str)
        )
        if ok:
            data = video.read_bytes() if video.stat().st_size == rec["size"] else None
            ok = data is not None and _sha(data) == rec["sha256"]
    except (OSError, ValueError):
        ok = False
    if not ok:
        _remove(video, record)
        return None
    seconds = rec.get("seconds")
    return Entry(video, frames, float(seconds) if isinstance(seconds, (int, float)) else 0.0)


def put(key: str, data: bytes, frames: int, seconds: float) -> Entry:
    """Store a freshly rendered partial movie file (checked: it demuxes to ``frames`` frames)."""
    try:
        n = frame_count(data)
    except Exception as e:  # av raises its own error types
        raise ValueError(f"partial movie file of {key[:12]} does not parse ({e})") from None
    if n != frames:
        raise ValueError(f"partial movie file of {key[:12]} has {n} frames, expected {frames}")
    video, record = _entry(key)
    video.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(video, data)
    rec = {"engine": ENGINE, "key": key, "frames": frames, "size": len(data), "sha256": _sha(data),
           "seconds": round(float(seconds), 4)}  # fmt: skip
    atomic_write(record, json.dumps(rec).encode())
    return Entry(video, frames, float(seconds))


# -- scene manifests ---------------------------------------------------------------------------------------
def _manifest(key: str) -> Path:
    return cache_root() / "scenes" / f"{key}.json"


def load_manifest(key: str) -> dict | None:
    p = _manifest(key)
    try:
        raw = _read(p, _MANIFEST_MAX)
        m = json.loads(raw) if len(raw) <= _MANIFEST_MAX else None
    except (OSError, ValueError):
        return None
    ok = (
        isinstance(m, dict)
        and m.get("engine") == ENGINE
        and m.get("key") == key
        and isinstance(m.get("plays"), list)
        and all(
            isinstance(p, list)
            and len(p) == 3
            and _is_key(p[0])
            and isinstance(p[1], int)
            and 0 < p[1] < 10**8
            and isinstance(p[2], (int, float))
            for p in m["plays"]
        )
        and _safe_movie(m.get("movie"))
        and all(isinstance(c, int) for c in m.get("cuts", []))
        and (m.get("srt") is None or isinstance(m.get("srt"), str))
        and isinstance(m.get("fps"), (int, float))
    )
    if not ok:
        _remove(p)
        return None
    return m


def save_manifest(key: str, manifest: dict) -> None:
    p = _manifest(key)
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(p, json.dumps({**manifest, "engine": ENGINE, "key": key}).encode())


# -- costs ---------------------------------------------------------------------------------------------------
def _costs(name: str, mode: str, quality: str) -> Path:
    return cache_root() / "costs" / f"{name}__{mode}__{quality}.json"


def load_costs(name: str, mode: str, quality: str) -> dict[int, float]:
    """{play index: seconds its last render took} of this scene, mode and quality ({} when never measured)."""
    try:
        raw = _read(_costs(name, mode, quality), _RECORD_MAX * 16)
        d = json.loads(raw)
        return {int(k): float(v) for k, v in d.items() if float(v) >= 0}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def save_costs(name: str, mode: str, quality: str, seconds: Mapping[int, float]) -> None:
    if not seconds:
        return
    p = _costs(name, mode, quality)
    p.parent.mkdir(parents=True, exist_ok=True)
    merged = {**load_costs(name, mode, quality), **{int(k): float(v) for k, v in seconds.items()}}
    atomic_write(p, json.dumps({str(k): round(v, 4) for k, v in sorted(merged.items())}).encode())
