"""Whether gpt-oss can keep its experts in MXFP4 here, and the offline kernel folder that needs.

transformers keeps them in MXFP4 only when every piece is there: a `kernels` release inside the
window that transformers version accepts, triton, a CUDA GPU of compute capability >= 7.5, and the
Triton MoE kernel (kernels-community/gpt-oss-triton-kernels) as a local folder. Otherwise it falls
back to bf16 (~42 GB for gpt-oss-20b) or, offline, raises. `probe()` measures those facts into
`Probes`, which tests write by hand; `verdict()` reads them.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KERNEL_REPO = "kernels-community/gpt-oss-triton-kernels"
DEFAULT_FOLDER = Path("models/kernels/gpt-oss-triton-kernels")  # Settings.kernel_folder's default
TRITON_MIN = "3.4"  # transformers' floor for MXFP4 on CUDA (quantizers/quantizer_mxfp4.py)
CAPABILITY_MIN = (7, 5)  # the same file: T4, RTX 20xx, A100, L4, H100 and newer
INSTALL = "pip install 'rag-chat[gpu]' (transformers and kernels pinned together, triton, accelerate)"
FETCH_KERNEL = (
    f"fetch the kernel once on a connected machine with `hf download {KERNEL_REPO} --repo-type kernel --revision v1 "
    "--local-dir models/kernels/gpt-oss-triton-kernels` and copy the folder here (models/README.md)"
)


@dataclass(frozen=True)
class Probes:
    """The facts the verdict reads. Versions are None when the package is not installed."""

    transformers: str | None = None
    window: tuple[str, str] | None = None  # kernels versions transformers accepts: min <= v < max
    kernels: str | None = None
    triton: str | None = None
    accelerate: str | None = None
    capability: tuple[int, int] | None = None  # the first GPU's; None without CUDA
    free_gpu: int | None = None  # bytes free on all GPUs together; None without CUDA
    kernel_folder: Path | None = None  # where the kernel is looked for
    kernel_layout: str = "missing"  # what the folder lacks; "" when it is a kernel build
    kernel_import: str | None = None  # None: not tried; "": it imported; else the error


@dataclass(frozen=True)
class Verdict:
    ready: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "reason": self.reason}


def verdict(probes: Probes, quant: str | None = None) -> Verdict:
    """Ready when nothing is missing; else what is, then the fixes. `quant`: the checkpoint's
    quant_method ("" for none), or None when no checkpoint is known, which leaves that piece unchecked."""
    gaps = [*_package_gaps(probes), *_gpu_gaps(probes), *_kernel_gaps(probes)]
    if quant is not None and quant != "mxfp4":
        gaps.append((f"the model is not an MXFP4 checkpoint (quant_method: {quant or 'none'})",
                     "use openai/gpt-oss-20b as downloaded"))
    if gaps:
        fixes = list(dict.fromkeys(fix for _, fix in gaps if fix))
        return Verdict(False, "; ".join(gap for gap, _ in gaps) + (". Fix: " + "; ".join(fixes) if fixes else ""))
    checked = "" if quant else "; no model given, so no checkpoint checked"
    low, high = probes.window or ("?", "?")
    return Verdict(True, f"transformers {probes.transformers} with kernels {probes.kernels} (it accepts {low} <= "
                         f"kernels < {high}), triton {probes.triton}, compute capability "
                         f"{_dotted(probes.capability)}, kernel in {probes.kernel_folder}{checked}")


Gap = tuple[str, str]  # (what is missing, how to fix it; "" when there is nothing to run)


def _package_gaps(p: Probes) -> Iterator[Gap]:
    if p.transformers is None:
        yield "transformers is not installed", INSTALL
    elif p.window is None:
        yield f"transformers {p.transformers} names no kernels versions it accepts", INSTALL
    elif p.kernels is None:
        accepts = f"transformers {p.transformers} accepts {p.window[0]} <= kernels < {p.window[1]}"
        yield f"kernels is not installed ({accepts})", INSTALL
    elif not _within(p.kernels, p.window):
        yield (f"kernels {p.kernels} is outside what transformers {p.transformers} accepts ({p.window[0]} <= kernels "
               f"< {p.window[1]}), so transformers would fall back to bf16"), INSTALL
    if p.triton is None:
        yield f"triton is not installed (MXFP4 on CUDA needs triton >= {TRITON_MIN})", INSTALL
    elif _older(p.triton, TRITON_MIN):
        yield f"triton {p.triton} is older than {TRITON_MIN}", INSTALL
    if p.accelerate is None:
        yield "accelerate is not installed (transformers loads MXFP4 through it)", INSTALL


def _gpu_gaps(p: Probes) -> Iterator[Gap]:
    if p.capability is None:
        yield "no CUDA GPU (the MXFP4 kernels run on CUDA GPUs of compute capability >= 7.5)", ""
    elif p.capability < CAPABILITY_MIN:
        yield (f"GPU compute capability {_dotted(p.capability)} is below 7.5 (MXFP4 needs a T4, RTX 20xx, A100 "
               "or newer)"), ""


def _kernel_gaps(p: Probes) -> Iterator[Gap]:
    if p.kernel_folder is None or p.kernel_layout == "missing":
        yield f"the kernel folder {p.kernel_folder or DEFAULT_FOLDER} is not there", FETCH_KERNEL
    elif p.kernel_layout:
        yield f"the kernel folder {p.kernel_folder} is not a kernel build ({p.kernel_layout})", FETCH_KERNEL
    elif p.kernel_import:
        yield f"the kernel in {p.kernel_folder} does not import ({p.kernel_import})", ""


def _dotted(capability: tuple[int, int] | None) -> str:
    return ".".join(map(str, capability)) if capability else "none"


def _within(found: str, window: tuple[str, str]) -> bool:
    from packaging.version import Version

    return Version(window[0]) <= Version(found) < Version(window[1])


def _older(found: str, floor: str) -> bool:
    from packaging.version import Version

    return Version(found) < Version(floor)


def checkpoint_quant(config: dict[str, Any]) -> str:
    """The quant_method of a config.json, lower case; "" when it is not quantized."""
    quant = config.get("quantization_config") or {}
    return str(quant.get("quant_method", "") if isinstance(quant, dict) else "").lower()


def read_config(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# The kernel folder. The `kernels` package (0.17) reads LOCAL_KERNELS as
# "repo_id=path:repo_id=path" and loads a repo id from its path instead of the hub or its cache.

def local_kernel_entry(environ: MutableMapping[str, str]) -> Path | None:
    """The path LOCAL_KERNELS gives for the gpt-oss kernel, if it names one."""
    for entry in environ.get("LOCAL_KERNELS", "").split(":"):
        repo, _, path = entry.partition("=")
        if repo == KERNEL_REPO and path:
            return Path(path)
    return None


def point_kernels_at(folder: Path, environ: MutableMapping[str, str] | None = None) -> str | None:
    """Add the kernel folder to LOCAL_KERNELS when it exists and the user has not named the gpt-oss
    kernel there already (their entries are kept as they are). Returns the value set, or None."""
    environ = os.environ if environ is None else environ
    path = folder.expanduser().resolve()
    if not path.is_dir() or local_kernel_entry(environ) is not None or ":" in str(path):
        return None  # a ':' in the path cannot be written in LOCAL_KERNELS' format
    current = environ.get("LOCAL_KERNELS", "").strip(":")
    environ["LOCAL_KERNELS"] = f"{current}:{KERNEL_REPO}={path}" if current else f"{KERNEL_REPO}={path}"
    return environ["LOCAL_KERNELS"]


def kernel_folder(default: Path, environ: MutableMapping[str, str] | None = None) -> Path:
    """Where the kernel is looked for: the user's LOCAL_KERNELS entry, else the setting's folder."""
    return local_kernel_entry(os.environ if environ is None else environ) or default


def kernel_layout(folder: Path) -> str:
    """What keeps `folder` from being a kernel build `kernels` can load ("" when nothing): a build
    variant folder (build/torch-*/, or the folder itself) with metadata.json and a Python package."""
    if not folder.is_dir():
        return "missing"
    variants = [v for v in _variant_folders(folder) if (v / "metadata.json").is_file()]
    if not variants:
        return "no build/torch-*/metadata.json"
    if not any(_has_package(v) for v in variants):
        return f"no __init__.py in {variants[0].relative_to(folder) if variants[0] != folder else 'the folder'}"
    return ""


def _variant_folders(folder: Path) -> list[Path]:
    bases = [folder, folder / "build"]
    return [folder, *(v for base in bases if base.is_dir() for v in sorted(base.glob("torch*")) if v.is_dir())]


def _has_package(variant: Path) -> bool:
    packages = [variant, *(d for d in variant.iterdir() if d.is_dir())]
    return any((d / "__init__.py").is_file() for d in packages)


def import_kernel(folder: Path) -> str:
    """Import the kernel from its folder the way transformers will ("" when it imports)."""
    try:
        from kernels import get_local_kernel

        get_local_kernel(folder.resolve())
    except Exception as error:  # any failure is the finding: a missing triton, a wrong build, ...
        return (str(error).strip().splitlines() or [type(error).__name__])[0]
    return ""


def probe(folder: Path | None = None, try_import: bool = False) -> Probes:
    """Measure this machine. `folder`: the configured kernel folder; LOCAL_KERNELS wins over it."""
    where = kernel_folder(folder or DEFAULT_FOLDER)
    layout = kernel_layout(where)
    ready_to_import = try_import and not layout and bool(_version("kernels") and _version("triton"))
    return Probes(
        transformers=_version("transformers"), window=_kernels_window(), kernels=_version("kernels"),
        triton=_version("triton"), accelerate=_version("accelerate"), **_gpu(),
        kernel_folder=where, kernel_layout=layout,
        kernel_import=import_kernel(where) if ready_to_import else None,
    )  # fmt: skip


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _kernels_window() -> tuple[str, str] | None:
    try:
        from transformers.utils import import_utils
    except ImportError:
        return None
    low, high = getattr(import_utils, "KERNELS_MIN_VERSION", None), getattr(import_utils, "KERNELS_MAX_VERSION", None)
    return (low, high) if low and high else None


def _gpu() -> dict[str, Any]:
    try:
        import torch
    except ImportError:
        return {}
    if not torch.cuda.is_available():
        return {}
    free = sum(torch.cuda.mem_get_info(i)[0] for i in range(torch.cuda.device_count()))
    return {"capability": tuple(torch.cuda.get_device_capability(0)), "free_gpu": free}
