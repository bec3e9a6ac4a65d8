"""Two people save a move of the same milestone at the same moment, both from a form opened at the same version,
200 times over on PostgreSQL: each time exactly one move is saved and the other is refused as stale, and the
milestone's history holds every saved move, so no save is ever silently overwritten."""

import datetime as dt
import threading

import pytest
from django.db import connection

from core.exceptions import StaleEdit
from milestones.models import Milestone, MilestoneDateChange
from milestones.services import milestone_move
from tests.factories.milestones import MilestoneFactory
from tests.faults.conftest import emit

ROUNDS = 200
START = dt.date(2015, 6, 30)


def test_racing_moves_of_one_milestone_never_overwrite_each_other_silently(transactional_db, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises all writers, so nothing can race")
    users = [make_user(username="racer-a"), make_user(username="racer-b")]
    milestone = MilestoneFactory(due_date=START, baseline_date=START)
    start, done = threading.Barrier(3, timeout=60), threading.Barrier(3, timeout=60)
    plan: dict = {}
    outcomes: list[list] = [[None] * ROUNDS, [None] * ROUNDS]

    def racer(side: int) -> None:
        try:
            for n in range(ROUNDS):
                start.wait()
                try:
                    milestone_move(
                        milestone=Milestone(pk=milestone.pk),
                        new_date=plan["dates"][side],
                        reason=f"round {n} by racer {side}",
                        by=users[side],
                        expected_version=plan["version"],
                    )
                    outcomes[side][n] = "saved"
                except StaleEdit:
                    outcomes[side][n] = "stale"
                except Exception as exc:  # recorded and failed on below, not lost in the thread
                    outcomes[side][n] = repr(exc)
                done.wait()
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=racer, args=(side,)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    silent_overwrites, problems = 0, []
    try:
        for n in range(ROUNDS):
            before = Milestone.objects.get(pk=milestone.pk)
            history_before = before.history.count()
            changes_before = MilestoneDateChange.objects.filter(milestone=milestone).count()
            # Two new dates, both different from the current one and from each other.
            plan["version"] = before.version
            plan["dates"] = [START + dt.timedelta(days=2 * n + 1), START + dt.timedelta(days=2 * n + 2)]
            start.wait()
            done.wait()
            result = (outcomes[0][n], outcomes[1][n])
            after = Milestone.objects.get(pk=milestone.pk)
            saved = [side for side in (0, 1) if result[side] == "saved"]
            new_changes = list(MilestoneDateChange.objects.filter(milestone=milestone).order_by("pk")[changes_before:])
            if sorted(result) != ["saved", "stale"]:
                problems.append((n, result))
            if len(saved) == 2 or after.version != before.version + 1 or after.history.count() != history_before + 1:
                silent_overwrites += 1  # a second save landed on top of the first, or a save vanished
            elif saved and (
                len(new_changes) != 1
                or (new_changes[0].old_date, new_changes[0].new_date) != (before.due_date, plan["dates"][saved[0]])
                or after.due_date != plan["dates"][saved[0]]
            ):
                silent_overwrites += 1  # the winner's move is not what the record and its history say
    finally:
        # Let the threads out even if an assertion above failed part-way.
        start.abort()
        done.abort()
        for thread in threads:
            thread.join(timeout=30)

    emit("faults.racing_saves.rounds", ROUNDS, "rounds")
    emit("faults.racing_saves.silent_overwrites", silent_overwrites, "overwrites")
    assert problems == [], problems[:5]
    assert silent_overwrites == 0
    # Every round left exactly one recorded move: 200 in all, each from the version the other side also had.
    assert MilestoneDateChange.objects.filter(milestone=milestone).count() == ROUNDS
