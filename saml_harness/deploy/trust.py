"""Serve the IdP metadata an external SP is told to trust, at ``{idp_metadata_url}``.

Why: Okta's own metadata URL shows a rotated key at once; the rotation scenarios need the SP to learn the
new certificate only when the admin "uploads" it (``sp_upload_active_certificate``), so the harness serves
the trust files it rewrites then.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort

SERVED = {"idp-metadata.xml": "application/samlmetadata+xml", "idp-certificate.pem": "application/x-pem-file"}


def create_trust_app(folder: Path) -> Flask:
    """A read-only app serving the two trust files of ``folder`` (re-read on every request)."""
    app = Flask(__name__)

    @app.get("/<name>")
    def trust_file(name: str) -> Response:
        if name not in SERVED or not (folder / name).is_file():
            abort(404)
        return Response((folder / name).read_bytes(), mimetype=SERVED[name], headers={"Cache-Control": "no-store"})

    return app
