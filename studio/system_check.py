"""The system tools the studio needs, checked by themselves; installed with apt-get only on Debian, when missing.

``python3 studio/system_check.py [--install] [--only build|render]`` (``make setup`` runs it before ``.venv``
exists, so it uses the standard library only; ``byzmw doctor`` is the same check):

- ``build``: what ``pip install`` needs to build the virtual environment (pycairo is compiled): the venv
  module, a C compiler, Python's headers, pkg-config, cairo and pango (found through pkg-config);
- ``render``: what renders need: LaTeX (``latex``, ``dvisvgm`` and the packages manim's template loads, found
  through ``kpsewhich``) and the theme's font (DejaVu Sans); ffmpeg is recommended (to pull frames out of a
  video; manim itself encodes with PyAV's own ffmpeg), so its absence is reported, never fatal.

Every tool is looked for itself (a command on PATH, pkg-config, kpsewhich, fc-list), never through a package
manager, so the check works on any system. With ``--install`` on Debian (``/etc/debian_version`` and apt-get
present) the Debian packages of what is missing are installed (with sudo when not root), and nothing is run
when nothing is missing; elsewhere the exact command for the system (Homebrew, dnf, conda) is printed and the
exit code is 1. Without ``--install``: the report, exit 1 if something required is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass

LATEX_FILES = ("standalone.cls", "preview.sty", "babel.sty", "english.ldf", "amsmath.sty", "amssymb.sty")
TEXLIVE_DEBIAN = "texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended"


@dataclass(frozen=True)
class Tool:
    name: str
    group: str  # build | render
    required: bool
    debian: str  # packages, space-separated
    brew: str
    dnf: str
    conda: str
    why: str


TOOLS = (
    Tool("python venv", "build", True, "python3-venv", "", "", "", "python3 -m venv creates .venv"),
    Tool("C compiler", "build", True, "build-essential", "", "gcc", "c-compiler", "pycairo is compiled"),
    Tool("Python headers", "build", True, "python3-dev", "", "python3-devel", "", "pycairo is compiled"),
    Tool("pkg-config", "build", True, "pkg-config", "pkg-config", "pkgconf-pkg-config", "pkg-config", "finds cairo"),
    Tool("cairo", "build", True, "libcairo2-dev", "cairo", "cairo-devel", "cairo", "manim draws with cairo"),
    Tool("pango", "build", True, "libpango1.0-dev", "pango", "pango-devel", "pango", "manim sets text with pango"),
    Tool(
        "LaTeX",
        "render",
        True,
        f"{TEXLIVE_DEBIAN} dvisvgm",
        "--cask basictex",
        "texlive-scheme-basic texlive-standalone texlive-preview texlive-babel-english texlive-amsmath "
        "texlive-amsfonts texlive-dvisvgm",
        "texlive-core",
        "MathTex: latex, dvisvgm and " + ", ".join(LATEX_FILES),
    ),
    Tool(
        "DejaVu Sans",
        "render",
        True,
        "fonts-dejavu-core",
        "--cask font-dejavu",
        "dejavu-sans-fonts",
        "fonts-conda-forge",
        "the theme's font",
    ),  # fmt: skip
    Tool("ffmpeg", "render", False, "ffmpeg", "ffmpeg", "ffmpeg-free", "ffmpeg", "pulling frames out of videos"),
)


def _run_ok(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def present(tool: Tool) -> bool:
    """Whether ``tool`` is there, looked for itself (no package manager asked)."""
    n = tool.name
    if n == "python venv":
        return _run_ok([sys.executable, "-c", "import ensurepip, venv"])
    if n == "C compiler":
        return any(shutil.which(c) for c in ("cc", "gcc", "clang"))
    if n == "Python headers":
        return os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
    if n == "pkg-config":
        return shutil.which("pkg-config") is not None
    if n == "cairo":
        return _run_ok(["pkg-config", "--exists", "cairo"])
    if n == "pango":
        return _run_ok(["pkg-config", "--exists", "pangocairo"])
    if n == "LaTeX":
        if not (shutil.which("latex") and shutil.which("dvisvgm") and shutil.which("kpsewhich")):
            return False
        try:
            r = subprocess.run(["kpsewhich", *LATEX_FILES], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return False
        return len([line for line in r.stdout.splitlines() if line.strip()]) == len(LATEX_FILES)
    if n == "DejaVu Sans":
        return _font_file("DejaVuSans.ttf") or _fc_list("DejaVu Sans")
    if n == "ffmpeg":
        return shutil.which("ffmpeg") is not None
    raise ValueError(n)


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts", "/Library/Fonts",
             "/System/Library/Fonts", "~/Library/Fonts", "$CONDA_PREFIX/fonts")  # fmt: skip


def _font_file(name: str) -> bool:
    """A font file of that name in the usual font folders (fontconfig's fc-list is not always installed)."""
    for d in FONT_DIRS:
        root = os.path.expandvars(os.path.expanduser(d))
        if "$" in root or not os.path.isdir(root):
            continue
        for _, _, files in os.walk(root):
            if name in files:
                return True
    return False


def _fc_list(family: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    try:
        r = subprocess.run(["fc-list", family], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(r.stdout.strip())


def system() -> str:
    """debian, macos, fedora, conda or other: which install command to give."""
    if os.path.exists("/etc/debian_version") and shutil.which("apt-get"):
        return "debian"
    if os.environ.get("CONDA_PREFIX"):
        return "conda"
    if sys.platform == "darwin":
        return "macos"
    if shutil.which("dnf"):
        return "fedora"
    return "other"


def instructions(missing: list[Tool], where: str) -> list[str]:
    """The exact commands that install ``missing`` on system ``where`` (all three systems when unknown)."""

    def brew(ts):
        formulae = [t.brew for t in ts if t.brew and not t.brew.startswith("--cask")]
        casks = [t.brew.split()[-1] for t in ts if t.brew.startswith("--cask")]
        out = [f"brew install {' '.join(formulae)}"] if formulae else []
        out += [f"brew install --cask {c}" for c in casks]
        if any(t.name == "LaTeX" for t in ts):
            out.append("sudo tlmgr update --self && sudo tlmgr install standalone preview babel-english dvisvgm")
        if any(t.name in ("C compiler", "Python headers") for t in ts):
            out.append("xcode-select --install")
        return out

    def dnf(ts):
        pk = " ".join(t.dnf for t in ts if t.dnf)
        return [f"sudo dnf install {pk}"] if pk else []

    def conda(ts):
        pk = " ".join(t.conda for t in ts if t.conda)
        out = [f"conda install -c conda-forge {pk}"] if pk else []
        if any(t.name == "LaTeX" for t in ts):
            out.append("tlmgr install standalone preview babel-english dvisvgm  # LaTeX packages (TeX Live, TinyTeX)")
        return out

    def debian(ts):
        return [f"sudo apt-get install {' '.join(t.debian for t in ts)}"]

    table = {"macos": ("Homebrew", brew), "fedora": ("dnf", dnf), "conda": ("conda", conda), "debian": ("apt", debian)}
    chosen = [table[where]] if where in table else [table["conda"], table["macos"], table["fedora"], table["debian"]]
    lines = []
    for label, fn in chosen:
        cmds = fn(missing)
        if cmds:
            lines.append(f"  {label}:")
            lines += [f"    {c}" for c in cmds]
    return lines


def check(groups=("build", "render")) -> tuple[list[Tool], list[Tool]]:
    """(missing required tools, missing recommended ones) of ``groups``."""
    tools = [t for t in TOOLS if t.group in groups]
    missing = [t for t in tools if not present(t)]
    return [t for t in missing if t.required], [t for t in missing if not t.required]


def apt_install(tools: list[Tool]) -> int:
    pkgs = " ".join(t.debian for t in tools).split()
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive"]
    print(f"setup: installing Debian packages: {' '.join(pkgs)}", flush=True)
    r = subprocess.run([*env, "apt-get", "update", "-qq"])
    if r.returncode == 0:
        r = subprocess.run(
            [*env, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *pkgs], stdout=subprocess.DEVNULL
        )
    return r.returncode


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="system_check", description="the system tools of Byzantine MW Studio")
    ap.add_argument("--install", action="store_true", help="install what is missing (Debian only)")
    ap.add_argument("--only", choices=("build", "render"), help="check one group")
    ap.add_argument("--verbose", action="store_true", help="list every tool, also when present")
    args = ap.parse_args(argv)
    groups = (args.only,) if args.only else ("build", "render")
    required, recommended = check(groups)
    if args.verbose or not args.install:
        for t in TOOLS:
            if t.group in groups:
                state = "missing" if t in required or t in recommended else "ok"
                print(f"{t.name:<15} {state:<8} {'required' if t.required else 'recommended'}: {t.why}")
    where = system()
    if (required or recommended) and args.install and where == "debian":
        if apt_install(required + recommended) != 0:
            print("setup: apt-get failed; install the packages above yourself", file=sys.stderr)
            return 1
        required, recommended = check(groups)
    if recommended:
        names = ", ".join(t.name for t in recommended)
        print(f"setup: recommended, not installed: {names}", file=sys.stderr)
    if required:
        names = ", ".join(t.name for t in required)
        print(f"setup: missing: {names}. Install them with:", file=sys.stderr)
        print("\n".join(instructions(required + recommended, where)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
