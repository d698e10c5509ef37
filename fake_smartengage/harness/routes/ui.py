"""The dashboard at /_fake/ui: one server-rendered page plus its script and style sheet.

The page itself carries no state and needs no admin token: its script reads and changes
everything through the harness API (state, subscribers, requests, faults, reset), sending the
admin token the user types in when the server has one. So there is no second code path.
"""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from ... import __version__, errors
from ..pipeline import HARNESS_PREFIX

UI_FILES = Path(__file__).parent.parent / "ui"
STATIC = UI_FILES / "static"
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# The page loads nothing but its own script and style sheet and talks to nothing but this server.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=UI_FILES / "templates")


@router.get("/ui", response_class=HTMLResponse)
@router.get("/ui/", response_class=HTMLResponse)
async def dashboard(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "version": __version__,
            "api": HARNESS_PREFIX,
            "static": f"{HARNESS_PREFIX}/ui/static",
            "token_required": request.app.state.settings.admin_token is not None,
            "upstream": request.app.state.settings.upstream,
        },
        headers=_HEADERS,
    )


@router.get("/ui/static/{name}")
async def static_file(name: str) -> FileResponse:
    # Only the files shipped next to this module, by bare name: no paths, nothing else on disk.
    path = STATIC / name
    media_type = _MEDIA_TYPES.get(path.suffix)
    if "/" in name or name.startswith(".") or media_type is None or not path.is_file():
        raise errors.unknown_file(name)
    return FileResponse(path, media_type=media_type, headers=_HEADERS)
