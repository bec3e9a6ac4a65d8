"""The PDF renderer fetches nothing but the project's own static files: a loopback canary server counts any
request, and a secret file must not appear in the PDF."""

import datetime as dt
import http.server
import threading

import pytest

from reporting import highlight as services
from reporting.renderers.pdf import StaticOnlyFetcher, html_to_pdf
from schemes.models import CommentKind
from schemes.services import progress_comment_add
from tests.reporting.conftest import pdf_text


@pytest.fixture
def canary():
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_canary_counts_a_real_request(canary):
    import urllib.request

    url, hits = canary
    urllib.request.urlopen(f"{url}/probe", timeout=5).read()
    assert hits == ["/probe"]  # so zero hits below means nothing was fetched, not a deaf canary


def test_raw_html_references_to_files_and_loopback_are_refused(canary, tmp_path):
    url, hits = canary
    secret = tmp_path / "secret.css"
    secret.write_text("body::before { content: 'TOPSECRETVALUE' }")
    html = f"""<html><head>
      <link rel="stylesheet" href="file://{secret}">
      <link rel="stylesheet" href="{url}/link.css">
      <style>@import url("{url}/import.css"); body {{ background: url("{url}/bg.png"); }}</style>
      <link rel="stylesheet" href="static:reporting/print.css">
    </head><body><p>Visible</p><img src="{url}/img.png"><img src="file:///etc/hostname">
      <object data="{url}/object"></object><iframe src="{url}/frame"></iframe></body></html>"""
    rendered = html_to_pdf(html)
    assert hits == []
    assert "TOPSECRETVALUE" not in pdf_text(rendered.pdf)
    assert "Visible" in pdf_text(rendered.pdf)
    assert any(u.startswith("file://") for u in rendered.refused)
    assert any(u.startswith(url) for u in rendered.refused)
    assert not any(u.startswith("static:reporting/print.css") for u in rendered.refused)  # our own file is served


def test_fetcher_serves_only_files_the_static_finders_know():
    fetcher = StaticOnlyFetcher()
    assert b"@page" in fetcher.fetch("static:reporting/print.css").read()
    refused = (
        "static:../config/settings/base.py",
        "static:/etc/passwd",
        "static:nope.css",
        "static:admin/css/base.css",  # Django admin's file: found by the app finder, but not ours
        "data:text/css,body{}",
    )
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused == list(refused)


@pytest.mark.django_db
def test_references_in_user_text_are_neither_fetched_nor_markup(trafford, canary, pmo_user):
    url, hits = canary
    programme, p1, _ = trafford
    hostile = f'<img src="{url}/comment.png"> <link rel=stylesheet href="file:///etc/passwd"> url({url}/css)'
    progress_comment_add(
        scheme=programme.schemes.get(ref="5.2"),
        period=p1,
        date=dt.date(2015, 5, 19),
        text=hostile,
        kind=CommentKind.HIGHLIGHT,
        by=pmo_user,
    )
    services.highlight_cover_save(
        programme=programme, period=p1, data={"contact": f"<img src='file:///etc/passwd'> {url}/x"}, version=1
    )
    rendered = services.highlight_report_draft(programme=programme, period=p1)
    assert hits == []
    assert rendered.refused == []  # escaped, so there was nothing to even try
    assert f'<img src="{url}/comment.png">' in pdf_text(rendered.pdf)
