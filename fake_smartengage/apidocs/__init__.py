"""The API documentation pages, /docs (Swagger UI) and /redoc (ReDoc), working without a network.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank on a CI runner or a
laptop without internet. These pages load the copies shipped in `assets/` (npm's swagger-ui-dist
and redoc, with their licences; `make docs-assets` refreshes them), from /docs/assets/, and their
Content-Security-Policy lets the browser load nothing from another origin.
"""

import base64
import hashlib
import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from .. import errors

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS = Path(__file__).parent / "assets"

# The files the pages load, by the bare name they are served under.
_ASSET_FILES = {
    "swagger-ui-bundle.js": (ASSETS / "swagger-ui" / "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": (ASSETS / "swagger-ui" / "swagger-ui.css", "text/css; charset=utf-8"),
    "favicon.png": (ASSETS / "swagger-ui" / "favicon-32x32.png", "image/png"),
    "redoc.standalone.js": (ASSETS / "redoc" / "redoc.standalone.js", "text/javascript; charset=utf-8"),
}

# Same origin only. Swagger UI and ReDoc set inline styles and draw icons from data: URLs; ReDoc
# runs its search in a worker made from a blob: URL. The one inline script (Swagger UI's set-up,
# written by FastAPI) is allowed by its hash.
_POLICY = (
    "default-src 'none'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH)
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        # The API authenticates with a bearer key: there is no OAuth2 flow to come back from.
        oauth2_redirect_url=None,
    )
    return _with_policy(page)


@router.get(REDOC_PATH)
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        with_google_fonts=False,
    )
    return _with_policy(page)


@router.get(f"{ASSETS_PATH}/{{name}}")
async def asset(name: str) -> FileResponse:
    if name not in _ASSET_FILES:
        raise errors.unknown_file(name)
    path, media_type = _ASSET_FILES[name]
    return FileResponse(path, media_type=media_type, headers={"X-Content-Type-Options": "nosniff"})


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    html = bytes(page.body).decode()
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    page.headers["Content-Security-Policy"] = _POLICY.format(scripts=hashes)
    page.headers["X-Content-Type-Options"] = "nosniff"
    page.headers["Referrer-Policy"] = "no-referrer"
    return page
