"""The doctors' console: one static page (index.html), served by the doctors' API at GET /console.

The page signs in one of two ways, chosen per request by the API:
- "dev": the local stack's documented POST /dev/sign-in (only when served by the local gateway);
- "cognito": the Cognito hosted UI (authorization code + PKCE), built from COGNITO_DOMAIN and
  COGNITO_CLIENT_ID. Those are public values (a hosted-UI domain and a public app client id).

The configuration goes into the page as a JSON data block (never executed); the page's own script and
style are pinned by hash in the Content-Security-Policy, so no other script can run on it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, Field

CONFIG_PLACEHOLDER = "{{CONFIG_JSON}}"


class ConsoleConfig(BaseModel):
    sign_in: Literal["dev", "cognito"]
    # e.g. https://fasttriage-dev.auth.us-east-1.amazoncognito.com (it also goes into the CSP: no spaces or ';')
    cognito_domain: str | None = Field(default=None, pattern=r"^https://[A-Za-z0-9.-]+$")
    cognito_client_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]+$")
    # Where photo thumbnails' presigned URLs point (the reports bucket's S3 origin), allowed in img-src only.
    media_origin: str | None = Field(default=None, pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?$")

    @classmethod
    def for_request(
        cls,
        *,
        local_gateway: bool,
        cognito_domain: str | None = None,
        cognito_client_id: str | None = None,
        media_origin: str | None = None,
    ) -> ConsoleConfig:
        if local_gateway:
            return cls(sign_in="dev", media_origin=media_origin)
        if cognito_domain and not cognito_domain.startswith("https://"):
            cognito_domain = f"https://{cognito_domain}"
        return cls(
            sign_in="cognito",
            cognito_domain=cognito_domain,
            cognito_client_id=cognito_client_id,
            media_origin=media_origin,
        )


@cache
def _template() -> str:
    return resources.files(__package__).joinpath("index.html").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def _content_security_policy(cognito_domain: str | None, media_origin: str | None = None) -> str:
    page = _template()
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_sha256(s) for s in scripts),
            "style-src " + " ".join(_sha256(s) for s in styles),
            "connect-src 'self'" + (f" {cognito_domain}" if cognito_domain else ""),
            "img-src 'self' data:" + (f" {media_origin}" if media_origin else ""),
            "form-action 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


def render(config: ConsoleConfig) -> str:
    """The page with its configuration embedded as inert JSON ('<' escaped so it cannot close the tag)."""
    data = (
        json.dumps(config.model_dump())
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return _template().replace(CONFIG_PLACEHOLDER, data)


def headers(config: ConsoleConfig) -> dict[str, str]:
    return {
        "Content-Security-Policy": _content_security_policy(config.cognito_domain, config.media_origin),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
