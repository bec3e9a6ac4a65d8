"""Issue 21 point 6: a lead's whole period update with the keyboard alone. Only Tab, Enter and Space move and act
(and typing into a field); the mouse is never used. At every stop the focused element is visibly marked."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What the focused element is, for the test's own checks (it never moves the focus itself).
DESCRIBE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  // A ring that is really drawn: not a transparent outline, nor a shadow still fading in from nothing.
  const clear = (colour) => colour === "transparent" || /rgba\\(.*, 0\\)$/.test(colour);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 && !clear(style.outlineColor);
  const shadowed = style.boxShadow !== "none" && !style.boxShadow.startsWith("rgba(0, 0, 0, 0)");
  const marked = outlined || shadowed;
  return {tag: el.tagName, text: (el.innerText || el.value || "").trim().slice(0, 120), id: el.id,
          label: el.labels && el.labels[0] ? el.labels[0].innerText.trim() : (el.getAttribute("aria-label") || ""),
          row: el.closest("tr[id^=milestone-]") ? el.closest("tr[id^=milestone-]").id : "", marked};
}"""


def tab_to(page, wanted, *, limit: int = 400) -> dict:
    """Press Tab until the focused element is the one wanted (a predicate on DESCRIBE's answer); each stop on the
    way must show where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(DESCRIBE)
        if focused["tag"] not in ("BODY", "HTML"):
            assert focused["marked"], f"the focus is not visible on {focused}"
        if wanted(focused):
            return focused
    raise AssertionError(f"Tab never reached the element wanted (last: {focused})")


def test_a_lead_does_the_whole_period_update_with_the_keyboard_alone(page, live_server, e2e_demo):
    from milestones.models import Milestone
    from schemes.models import ProgressComment, SchemePeriodUpdate

    prap = Milestone.objects.get(scheme__ref="5.1", description="Update Status Report to PRAP")
    spec = Milestone.objects.get(scheme__ref="5.1", description="New service specification to be developed")

    # Sign in.
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, lambda f: f["label"].startswith("Username"))
    page.keyboard.type("lead")
    tab_to(page, lambda f: f["label"].startswith("Password"))
    page.keyboard.type("e2e-demo-password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/schemes/mine/**")

    # The skip link comes first and takes the focus past the navigation; then to the scheme.
    first = tab_to(page, lambda f: True, limit=1)
    assert first["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "5.1 Community (District) Nursing")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Update for 20/05/2015 to 22/07/2015")).to_be_visible()

    # 1. Complete a milestone: open "Complete" with Enter, keep the date offered (inside the period), press the button.
    tab_to(page, lambda f: f["row"] == f"milestone-{prap.pk}" and f["tag"] == "SUMMARY" and f["text"] == "Complete")
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["label"] == "Completed on" and f["row"] == f"milestone-{prap.pk}")
    tab_to(page, lambda f: f["text"] == "Mark complete", limit=5)  # past the date's parts and calendar button
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Marked complete")).to_be_focused()

    # 2. Move another milestone's date, with a reason: Space opens the box and presses the button.
    tab_to(page, lambda f: f["row"] == f"milestone-{spec.pk}" and f["tag"] == "SUMMARY" and f["text"] == "Move date")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["label"] == "New date", limit=1)
    page.keyboard.type("08142015")  # month, day, year: the browser's (en-US) order of the date's parts
    tab_to(page, lambda f: f["label"] == "Why is the date moving?", limit=3)
    page.keyboard.type("Waiting for the outcome measures")
    tab_to(page, lambda f: f["text"] == "Move date" and f["tag"] == "BUTTON", limit=1)
    page.keyboard.press("Space")
    expect(page.get_by_role("status").filter(has_text="Date moved")).to_be_focused()

    # 3. The scheme's RAG, against the suggestion, with its reason (a letter picks the option in a list).
    tab_to(page, lambda f: f["label"] == "Overall project status RAG")
    page.keyboard.type("A")
    tab_to(page, lambda f: f["label"].startswith("Reason (needed when it differs"), limit=3)
    page.keyboard.type("Business case on track for TSG")
    tab_to(page, lambda f: f["text"] == "Save RAG", limit=3)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="RAG saved")).to_be_focused()

    # 4. A progress comment.
    tab_to(page, lambda f: f["tag"] == "SUMMARY" and f["text"] == "Write a progress comment")
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["label"] == "Comment", limit=7)  # the date (its parts and calendar button), kind, RAG
    page.keyboard.type("Liaison team co-located with the TGH discharge team in June.")
    tab_to(page, lambda f: f["text"] == "Add comment", limit=5)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Progress comment added")).to_be_focused()

    # 5. Submit.
    tab_to(page, lambda f: f["text"] == "Submit the update to the programme office")
    page.keyboard.press("Space")
    expect(page.get_by_role("status").filter(has_text="Update submitted")).to_be_visible()

    update = SchemePeriodUpdate.objects.get(scheme__ref="5.1", period__code="2015-16-P2")
    assert (update.status, update.rag, update.rag_reason) == ("submitted", "amber", "Business case on track for TSG")
    prap.refresh_from_db()
    spec.refresh_from_db()
    assert prap.completed_on is not None and str(spec.due_date) == "2015-08-14"
    assert ProgressComment.objects.filter(scheme__ref="5.1", text__startswith="Liaison team co-located").exists()
