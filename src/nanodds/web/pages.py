"""HTML pages (Jinja2 templates + a little vanilla JS in ``static/app.js``); plotly.js is served from the
installed ``plotly`` package, never from a CDN. Pages hold no data: they call the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

__all__ = ["PAGES", "router"]

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)

#: URL path -> (template, title) of the pages in the navigation bar.
PAGES: dict[str, tuple[str, str]] = {
    "/": ("designer.html", "Carrier designer"),
    "/editor": ("editor.html", "Scenario editor"),
    "/release": ("release.html", "Release fit"),
    "/population": ("population.html", "Population"),
    "/catalogue": ("catalogue.html", "Catalogue"),
    "/runs": ("runs.html", "Runs"),
}


def _page(path: str, template: str, title: str) -> None:
    def view(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, template, {"title": title, "pages": PAGES, "path": path})

    router.add_api_route(path, view, methods=["GET"], response_class=HTMLResponse, name=f"page:{template}")


for _path, (_tpl, _title) in PAGES.items():
    _page(_path, _tpl, _title)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: int, request: Request) -> HTMLResponse:
    """Progress, cancellation, plots and report export of one run."""
    return templates.TemplateResponse(request, "run.html", {"title": f"Run {run_id}", "pages": PAGES,
                                                             "path": "/runs", "run_id": run_id})


@router.get("/static/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js as bundled with the installed ``plotly`` Python package (served locally, no CDN)."""
    import plotly

    return FileResponse(Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js",
                        media_type="text/javascript")


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    """The app's own script and style sheet (only the files listed here)."""
    files = {"app.js": "text/javascript", "style.css": "text/css"}
    if name not in files:
        from fastapi import HTTPException

        raise HTTPException(404, f"static: got {name!r}; allowed: {', '.join(files)}")
    return FileResponse(HERE / "static" / name, media_type=files[name])
