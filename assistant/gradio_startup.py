"""Start-up work gradio does that a served app never needs, skipped before gradio is imported.

On every import, gradio's component metaclass re-derives the type stub (.pyi) of each of its ~80 component classes
from their source with `ast` (gradio/component_meta.py, create_or_modify_pyi) and rewrites the stub when it
differs. The stubs only serve editors of gradio's own source and of custom components under development. On 2
cores this was 2.2 of the 4.9 CPU seconds of `import gradio` (measured with cProfile and `time`), i.e. about half
the time from `assistant serve` to a served page. skip_stub_regeneration() makes that one function a no-op for
this process; nothing else in gradio changes, and if a gradio release renames or drops it, nothing happens.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

_MODULE = "gradio.component_meta"
_FUNCTION = "create_or_modify_pyi"


class _Finder(importlib.abc.MetaPathFinder):
    """Finds gradio.component_meta as usual, then replaces the stub generator right after the module runs (before
    any component class is created, as component modules import this one first)."""

    def find_spec(self, name, path, target=None):
        if name != _MODULE:
            return None
        sys.meta_path.remove(self)  # once is enough
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            if callable(getattr(module, _FUNCTION, None)):
                setattr(module, _FUNCTION, _no_stub)

        spec.loader.exec_module = exec_module  # this module's own loader instance only
        return spec


def _no_stub(*_args, **_kwargs) -> None:
    return None


def skip_stub_regeneration() -> bool:
    """Install the hook; False when gradio is already imported (then it is too late and nothing is changed)."""
    if _MODULE in sys.modules:
        return False
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return True
