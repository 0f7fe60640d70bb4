"""Execute a chapter notebook with papermill and render reviewer HTML with nbconvert.

Why: papermill only warns about a missing parameters tag or unknown parameters, and on failure
writes the half-executed notebook over the output; this module makes both loud and keeps the last
good report intact (see shared/LIBRARIES.md).
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from html import escape as html_escape
from pathlib import Path

import nbformat

from pipeline.config import ROOT
from pipeline.io import atomic_path, atomic_write_text

KERNEL = "inclusiemonitor"
ENGINE = "inclusiemonitor-reuse"


class NotebookFailed(RuntimeError):
    pass


# --- one kernel per process, reused by its chapters ------------------------------------------------
# Why: starting a kernel and importing pandas, scipy, statsmodels and matplotlib takes ~3 s, more than
# most chapters compute. A build process (or worker) starts one kernel and runs its chapters in it one
# after the other; before each notebook the kernel's namespace is emptied (`%reset -f`), the working
# directory and the chapter's environment (where its tables and results go) are set, and open figures
# are closed, so a notebook sees what a fresh kernel would, minus the import time. The modules stay
# imported: everything a chapter depends on is in its parameters, the config and the processed files,
# which do not change during a build.

_MANAGER = None  # this process's kernel manager, started by its first notebook
CHAPTER_ENV = ("INCLUSIEMONITOR_TABLES", "INCLUSIEMONITOR_RESULTS", "INCLUSIEMONITOR_TABLES_URL",
               "INCLUSIEMONITOR_MIN_CELL_SIZE", "INCLUSIEMONITOR_RELEASE",  # pipeline.settings.RELEASE_ENV
               "INCLUSIEMONITOR_READS")  # where the chapter says which sections of report.yaml it read


def _manager():
    global _MANAGER
    if _MANAGER is None:
        from multiprocessing.util import Finalize

        from jupyter_client.manager import AsyncKernelManager
        _MANAGER = AsyncKernelManager(kernel_name=KERNEL)
        Finalize(None, shutdown_kernel, exitpriority=10)  # a build worker ends: its kernel ends with it
    return _MANAGER


def shutdown_kernel() -> None:
    """Stop this process's kernel (if it started one); the next notebook starts a new one."""
    global _MANAGER
    km, _MANAGER = _MANAGER, None
    if km is not None and km.has_kernel:
        from jupyter_core.utils import run_sync
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutdown
            pass


def _reset_code() -> str:
    env = {k: os.environ[k] for k in CHAPTER_ENV if k in os.environ}
    gone = [k for k in CHAPTER_ENV if k not in os.environ]
    return ("%reset -f\n"
            "import os as _os, matplotlib.pyplot as _plt\n"
            f"_os.chdir({str(ROOT)!r}); _os.environ.update({env!r})\n"
            f"[_os.environ.pop(_k, None) for _k in {gone!r}]\n"
            "_plt.close('all'); del _os, _plt\n")


@lru_cache(maxsize=1)
def _register_engine() -> None:
    """Papermill's nbclient engine, given this process's kernel instead of starting its own (once per process)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class ReusedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(nb_man, km=_manager(), **merge_kwargs(
                kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file))
            code = _reset_code()

            async def reset(notebook):
                reply = await client.async_wait_for_reply(client.kc.execute(code, silent=True, store_history=False))
                if reply is None or reply["content"]["status"] != "ok":
                    raise NotebookFailed(f"kernel kon niet worden leeggemaakt voor {nb_man.nb.metadata.get('title', 'de notebook')}")
            client.on_notebook_start = reset
            try:
                return client.execute()
            except Exception:
                shutdown_kernel()  # a kernel in an unknown state (dead, timed out) is not reused
                raise
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, ReusedKernelEngine)


def ensure_kernel_path() -> None:
    """Point Jupyter at the kernels registered inside the project venv, never a machine-wide one."""
    share = Path(sys.prefix) / "share" / "jupyter"
    paths = os.environ.get("JUPYTER_PATH", "")
    if str(share) not in paths.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(share), paths) if p)


def notebook_parameters(path: Path) -> dict[str, object]:
    """Names and defaults of the cell tagged `parameters` (error if there is none)."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise NotebookFailed(f"{path}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    names: dict[str, object] = {}
    exec(compile(cells[0].source, str(path), "exec"), {}, names)  # noqa: S102 - our own committed notebook
    return names


def execute(notebook: Path, output: Path, parameters: dict, *, log_output: bool = False,
            failed: Path | None = None) -> Path:
    """Run `notebook` into `output`; on failure keep the partial run as `failed` (default
    `<output name>.FAILED.ipynb`) and leave `output` as it was."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    ensure_kernel_path()
    known = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise NotebookFailed(f"{notebook.name}: unknown parameter(s) {unknown}; the notebook accepts {sorted(known)}")
    failed = failed or output.with_name(output.stem + ".FAILED.ipynb")
    with atomic_path(output, keep_on_error=failed) as partial:
        try:
            _register_engine()
            pm.execute_notebook(str(notebook), str(partial), parameters=parameters, kernel_name=KERNEL,
                                engine_name=ENGINE,
                                cwd=str(ROOT), progress_bar=False, log_output=log_output,
                                request_save_on_cell_execute=True, execution_timeout=1800,
                                # the kernel's own log (plain-TCP notice, interrupt at shutdown) is noise
                                # for a researcher; errors in the notebook surface through papermill
                                extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
            scrub_paths(partial)
        except PapermillExecutionError as err:
            first = next((ln.strip() for ln in (err.source or "").splitlines() if ln.strip()), "")
            raise NotebookFailed(
                f"{notebook.name}: fout in cel {err.cell_index + 1} (In [{err.exec_count}]: {first[:80]}) — "
                f"{err.ename}: {err.evalue}\n"
                f"De gedeeltelijke uitvoering staat in {failed}; eerdere rapporten zijn niet aangeraakt.") from None
    return output


def scrub_paths(path: Path) -> None:
    """Drop build paths from a notebook's metadata (papermill records where it ran: machine paths,
    staging folders); the parameters stay as the provenance of the chapter."""
    nb = nbformat.read(path, as_version=4)
    pm_meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path", "environment_variables", "cwd"):
        pm_meta.pop(key, None)
    for cell in nb.cells:  # papermill gives the cell it adds a random id: the same run is the same file
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    params = pm_meta.get("parameters", {})
    for key, value in params.items():  # a config outside the repository: its name only
        if isinstance(value, str) and os.path.isabs(value):
            params[key] = Path(value).name
    nbformat.write(nb, path)


TEMPLATES = Path(__file__).parent / "templates"


def exporter():
    """nbconvert's HTML exporter for reviewer pages: our template (JupyterLab's without require.js,
    MathJax or anything else fetched from the network; alt text on figures; readable and printable
    styles), Dutch, no code, no "¶" anchor links."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="inclusiemonitor", extra_template_basedirs=[str(TEMPLATES)],
                        language_code="nl", exclude_anchor_links=True, exclude_input=True,
                        exclude_input_prompt=True, exclude_output_prompt=True)


def to_html(executed: Path, html: Path, title: str, page: dict | None = None) -> Path:
    """Code-free, offline HTML with embedded images; written atomically. `page`: the shared parts
    (pipeline.report.pages.decorate: pages, current, demo, k) — menu, banner, reading aid, links."""
    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = title
    body, _ = exporter().from_notebook_node(nb)
    body = add_toc(body)
    if page:
        from pipeline.report.pages import decorate
        body = decorate(body, page["pages"], page["current"], demo=page["demo"], k=page["k"])
    return atomic_write_text(html, body)


def add_toc(page: str) -> str:
    """Insert a table of contents (the h2 sections) after the page's title."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    heads = [h for h in soup.find_all(["h1", "h2"]) if h.get_text(strip=True)]
    if len([h for h in heads if h.name == "h2"]) < 2:
        return page
    items = []
    for i, h in enumerate(heads):
        if not h.get("id"):
            h["id"] = f"sectie-{i}"
        if h.name == "h2":
            items.append(f'<li><a href="#{h["id"]}">{html_escape(h.get_text(strip=True).rstrip("¶"))}</a></li>')
    nav = BeautifulSoup('<nav class="toc" aria-labelledby="toc-title"><p class="toc-title" id="toc-title">Op deze pagina</p>'
                        '<ul>' + "".join(items) + '</ul></nav>', "html.parser")
    if heads[0].name == "h1":  # after the page's title, before its first section
        heads[0].insert_after(nav)
    else:
        (soup.find("main") or soup.body).insert(0, nav)
    return str(soup)
