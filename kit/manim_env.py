"""The manim environment of every render: the repo's manim.cfg, quality, a private media folder, the LaTeX lock.

Renders can run at the same time (two terminals, ``make -j``), even of one scene:

- every render writes into its own media folder ``media/.render/<host>-<pid>-<random>/``
  (partial movie files, the movie, images); the finished movie is moved into
  place (``media/videos/...``) with one atomic rename (studio.variants.publish), and the
  private folder is removed. Folders of renders that were killed are removed by the next
  render (their pid is dead).
- the LaTeX cache (``tex_cache_dir()``) stays shared -- compiled formulas are
  reused -- but compiling into it holds an exclusive lock (``<cache>.lock`` beside it), and
  an SVG a killed compile left empty or truncated is compiled again. manim's
  SVG loader writes a modified copy ``<name>_.svg`` beside the SVG and deletes
  it (two renders deleted each other's copy: the "missing SVG" crash); here
  that copy has a name of its own process.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path

from sim.core.files import host_tag, pid_alive

from .options import QUALITIES, QUALITY
from .paths import MANIM_CFG, media_dir, tex_cache_dir

PRIVATE = ".render"


class RenderError(RuntimeError):
    pass


def _quality(q: str) -> str:
    """manim's name of quality ``q`` (l, m, h, p, k); a ParamError naming QUALITY otherwise."""
    return QUALITIES[QUALITY.coerce(q)]


@contextlib.contextmanager
def tex_lock(d: Path | None = None):
    """Exclusive lock on a LaTeX cache folder (default tex_cache_dir()); blocks while another process compiles."""
    import fcntl

    d = Path(d) if d is not None else tex_cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    # beside the cache, not in it: manim deletes every non-.svg/.tex file of the cache after a compile
    with open(d.with_name(d.name + ".lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _svg_ok(svg: Path) -> bool:
    try:
        with open(svg, "rb") as f:
            f.seek(max(0, svg.stat().st_size - 64))
            return b"</svg>" in f.read()
    except OSError:
        return False


def install_render_guards() -> None:
    """Make manim safe for concurrent renders sharing a LaTeX cache (idempotent; scenes.base calls it, so the
    manim CLI gets it too): tex_to_svg_file compiles under tex_lock and recompiles a truncated SVG; the SVG
    loader's temp copy gets a name of its own process."""
    import manim.mobject.text.tex_mobject as tex_mobject
    import manim.utils.tex_file_writing as tfw

    if getattr(tex_mobject.tex_to_svg_file, "_studio_locked", False):
        return
    original = tfw.tex_to_svg_file

    def locked(expression, environment=None, tex_template=None):
        with tex_lock(tfw.config.get_dir("tex_dir")):
            tex_file = tfw.generate_tex_file(expression, environment, tex_template)
            if not _svg_ok(tex_file.with_suffix(".svg")):  # missing, or left half-written by a killed compile
                for suffix in (".svg", ".dvi", ".xdv", ".pdf", ".log", ".aux", ".tex"):
                    with contextlib.suppress(FileNotFoundError):
                        tex_file.with_suffix(suffix).unlink()
            return original(expression, environment, tex_template)

    locked._studio_locked = True
    tfw.tex_to_svg_file = locked
    tex_mobject.tex_to_svg_file = locked
    _install_private_svg_temp()
    _install_encoder_threads()
    _deterministic_heap()


_ENCODER_THREADS: list[int] = []  # a stack: the x264 thread count pinned by encoder_threads_pinned (innermost last)


def encoder_threads() -> int:
    """x264 threads of this process's renders: what is pinned, else the CPUs this process may use (x264's own
    automatic choice on this machine). Its output bytes depend on it (slice threads), so a render cut into
    pieces pins every piece to the count of the machine that asked for it."""
    if _ENCODER_THREADS:
        return _ENCODER_THREADS[-1]
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def encoder_threads_pinned(n: int):
    """Renders inside this block encode with ``n`` x264 threads (the same bytes on any machine)."""
    _ENCODER_THREADS.append(int(n))
    try:
        yield
    finally:
        _ENCODER_THREADS.pop()


def _install_encoder_threads() -> None:
    """Every partial movie file is encoded with an explicit x264 thread count (:func:`encoder_threads`)."""
    from manim.scene.scene_file_writer import SceneFileWriter

    if getattr(SceneFileWriter.open_partial_movie_stream, "_studio_threads", False):
        return
    original = SceneFileWriter.open_partial_movie_stream

    def open_partial_movie_stream(self, file_path=None):
        original(self, file_path)
        job = getattr(self, "_current_encode_job", None)
        if job is not None and job.stream.codec_context.name == "libx264":  # set before the first frame opens it
            job.stream.codec_context.thread_count = encoder_threads()

    open_partial_movie_stream._studio_threads = True
    SceneFileWriter.open_partial_movie_stream = open_partial_movie_stream


HEAP_FILL = 0x55  # glibc M_PERTURB: fresh blocks hold 0xaa, freed ones 0x55 (any constant would do)


def _deterministic_heap() -> None:
    """Fill every block glibc's malloc hands out with one constant byte (``mallopt(M_PERTURB)``).

    x264 (libx264 165 through PyAV) reads memory it never wrote when the picture's width is not a multiple of
    16 (-ql: 854 pixels): the same frames give other bytes, and now and then other pixels (by up to 8 levels), as
    the heap's leftovers differ, so two serial renders of a scene at -ql differed in a play or two, from one run
    to the next. With every fresh block filled alike the leftovers are always the same, so are the bytes (fresh
    pages from the kernel are zeros already). It costs a memset of each heap block on malloc and on free;
    ``BYZMW_HEAP_FILL=off`` turns it off (bench/bench_render_parallel.py measures renders with it on)."""
    if getattr(_deterministic_heap, "done", False) or os.environ.get("BYZMW_HEAP_FILL", "").strip() == "off":
        return
    _deterministic_heap.done = True
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-6, HEAP_FILL)  # M_PERTURB
    except (OSError, AttributeError):  # not glibc: nothing to do (other allocators have their own habits)
        pass


def _install_private_svg_temp() -> None:
    """manim's SVGMobject.generate_mobject dumps its modified tree to ``<name>_.svg`` beside the SVG and deletes
    it: two processes loading one SVG (one formula of the shared LaTeX cache) delete each other's file. Same
    steps here with a temp name of this process only."""
    import xml.etree.ElementTree as ET

    import svgelements as se
    from manim import RIGHT, VGroup
    from manim.mobject.svg.svg_mobject import SVGMobject

    from . import text_outlines

    if getattr(SVGMobject.generate_mobject, "_studio_private", False):
        return

    def generate_mobject(self):
        file_path = self.get_file_path()
        entry = text_outlines.entry_for(self, file_path)  # a Text parsed before: its outlines from disk
        cached = text_outlines.load(entry) if entry is not None else None
        if cached is not None:
            mobjects = text_outlines.rebuild(cached)
            self.add(*mobjects)
            self.id_to_vgroup_dict = {"root": VGroup(*mobjects)}
            self.flip(RIGHT)
            return self
        new_tree = self.modify_xml_tree(ET.parse(file_path))
        tmp = file_path.with_name(f".{file_path.stem}_{os.getpid()}_{secrets.token_hex(4)}{file_path.suffix}")
        try:
            new_tree.write(tmp)
            svg = se.SVG.parse(tmp)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        mobjects, mobject_dict = self.get_mobjects_from(svg)
        if entry is not None:
            text_outlines.save(entry, mobjects)
        self.add(*mobjects)
        self.id_to_vgroup_dict = mobject_dict
        self.flip(RIGHT)
        return self

    generate_mobject._studio_private = True
    SVGMobject.generate_mobject = generate_mobject


def _sweep_private(root: Path) -> None:
    """Remove private media folders of renders on this host whose process is dead."""
    host = host_tag()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for e in entries:
        parts = e.name.split("-")
        if len(parts) < 3 or not parts[-2].isdigit() or "-".join(parts[:-2]) != host:
            continue
        if int(parts[-2]) != os.getpid() and not pid_alive(int(parts[-2])):
            shutil.rmtree(e.path, ignore_errors=True)


@contextlib.contextmanager
def private_media():
    """A media folder of this render only (removed at the end); stale ones of killed renders are removed."""
    root = media_dir() / PRIVATE
    root.mkdir(parents=True, exist_ok=True)
    _sweep_private(root)
    d = root / f"{host_tag()}-{os.getpid()}-{secrets.token_hex(4)}"
    d.mkdir()
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def manim_config(quality: str = "l", *, theme_name: str = "talk", **overrides):
    """manim.cfg of the repo (whatever the cwd), then quality and overrides; a private media folder.

    ``config.media_dir`` is this render's private folder (see the module
    docstring); keep what you need with :func:`publish` before the block ends.
    """
    import logging

    from manim import config, tempconfig

    from .theme import theme

    install_render_guards()
    logging.getLogger("manim").setLevel(logging.WARNING)  # no "Reading config file" lines
    config.digest_file(str(MANIM_CFG))
    q = _quality(quality)
    with private_media() as media:
        opts = {
            "quality": q,
            "media_dir": str(media),
            "tex_dir": str(tex_cache_dir()),
            "verbosity": "WARNING",
            "progress_bar": "none",
            "disable_caching": True,
            "background_color": theme().palette_of(theme_name).background,
        }
        if overrides.get("transparent"):  # set first: manim warns when transparency changes it (PNG stills too)
            opts["movie_file_extension"] = ".mov"
        opts.update(overrides)
        with tempconfig(opts):
            yield config
