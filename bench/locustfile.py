"""Users for `make bench-load` (bench/load.sh): each signs in through the real login form, then opens the pages
of their journey, with a pause between pages as a person reading would (LOAD_WAIT seconds, default 1-3).

LOAD_PROGRAMME names the large synthetic programme; LOAD_PASSWORD the demo password used at load_demo.

Every request is also recorded (start time, page, response time, failed?) and written to LOAD_SAMPLES (JSON) when
the run stops, with the moment the last user arrived: bench/load_report.py reports the steady state (every page
after that moment, sign-in excluded) apart from the sign-in burst.
"""

import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "trafford-demo-2015")
PROGRAMME = os.environ.get("LOAD_PROGRAMME", "synthetic-1-200x10")
FUND = os.environ.get("LOAD_FUND", "trafford-tf")
WAIT = [float(x) for x in os.environ.get("LOAD_WAIT", "1-3").split("-")]

SAMPLES_PATH = os.environ.get("LOAD_SAMPLES", "")
_samples: list[tuple[float, str, float, bool]] = []
_phases: dict[str, float | None] = {"started": None, "all_arrived": None}


@events.test_start.add_listener
def _started(**kwargs) -> None:
    _phases["started"] = time.time()


@events.spawning_complete.add_listener
def _all_arrived(user_count, **kwargs) -> None:
    _phases["all_arrived"] = time.time()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, start_time=None, **kwargs) -> None:
    _samples.append((start_time or time.time(), name, response_time, exception is not None))


@events.test_stop.add_listener
def _write_samples(**kwargs) -> None:
    if SAMPLES_PATH:
        with open(SAMPLES_PATH, "w") as out:
            json.dump({**_phases, "stopped": time.time(), "samples": _samples}, out)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SCHEME_LINK = re.compile(r'href="/schemes/(\d+)/"')


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="sign in (form)")
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token and token.group(1)},
            headers={"Referer": page.url},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # Success is a redirect away from the form; a 200 is the form again with an error.
            if response.status_code != 302 or "/accounts/" in response.headers.get("Location", ""):
                response.failure(f"sign-in failed for {self.username}: {response.status_code}")

    def open(self, url: str, name: str):
        return self.client.get(url, name=name)


class ProgrammeOffice(SignedIn):
    """The programme office and steering group's pages, over a 200-scheme programme with 1,000 risks.

    One page per task, picked at random, so every page is visited even when a saturated run is short.
    """

    weight = 4
    username = "pmo"
    q = f"?programme={PROGRAMME}"

    def on_start(self) -> None:
        super().on_start()
        listing = self.open(f"/schemes/{self.q}", "scheme list")
        self.schemes = SCHEME_LINK.findall(listing.text) or ["1"]

    @task
    def dashboard(self) -> None:
        self.open(f"/dashboard/{self.q}", "dashboard")

    @task
    def scheme_list(self) -> None:
        self.open(f"/schemes/{self.q}", "scheme list")

    @task
    def scheme_page(self) -> None:
        self.open(f"/schemes/{random.choice(self.schemes)}/", "scheme page")

    @task
    def risk_register(self) -> None:
        self.open(f"/risks/{self.q}", "risk register")

    @task
    def fund_page(self) -> None:
        self.open(f"/money/{FUND}/", "fund page")

    @task
    def metrics(self) -> None:
        self.open(f"/metrics/{self.q}", "metrics")

    @task
    def reports_page(self) -> None:
        self.open(f"/reports/{self.q}", "reports page")


class ProjectLead(SignedIn):
    """A project lead's start page, My schemes, and their schemes."""

    weight = 1
    username = "lead"

    def on_start(self) -> None:
        super().on_start()
        self.schemes = SCHEME_LINK.findall(self.open("/schemes/mine/", "my schemes").text)

    @task(2)
    def my_schemes(self) -> None:
        self.open("/schemes/mine/", "my schemes")

    @task
    def scheme_page(self) -> None:
        if self.schemes:
            self.open(f"/schemes/{random.choice(self.schemes)}/", "scheme page (lead)")
