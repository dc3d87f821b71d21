"""Every page under the Content-Security-Policy in a real Chromium: the sign-in page, the command
page (its map, charts and tables), the wall, the slides and the review run with no violation of
the policy and no page error."""

from __future__ import annotations

import pytest

from tests.browser.conftest import READY, sign_in

# Every violation from the page's start, kept where the test can read it.
RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI,
                     sample: e.sample, source: e.sourceFile, line: e.lineNumber});
});
"""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    """The other tests' context, but under the pages' policy (they bypass it)."""
    return {**browser_context_args, "bypass_csp": False}


@pytest.fixture(params=["sqlite"])
def backend(request):  # type: ignore[no-untyped-def]
    return request.param  # the browser does not care which database serves the page


def test_every_page_runs_under_the_policy(page, signed_server):  # type: ignore[no-untyped-def]
    base = signed_server
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.add_init_script(RECORD)

    def violations(where: str) -> None:
        for v in page.evaluate("window.__csp"):
            problems.append(f"{where}: {v}")

    policies: list[str] = []
    page.on(
        "response",
        lambda r: (
            policies.append(r.headers.get("content-security-policy", ""))
            if r.request.resource_type == "document"
            else None
        ),
    )

    sign_in(page, base, "duty", "duty-pass-1")  # the sign-in page, then the command page
    page.wait_for_selector(".onemap-hazard", timeout=20_000)  # the map drew its layers
    violations("/")

    # the charts (plotly) and tables (AG Grid) of a panel tab
    page.goto(base + "/?tab=rankings")
    page.wait_for_selector(READY, timeout=20_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    page.wait_for_selector(".ag-row", timeout=20_000)
    violations("/?tab=rankings")

    page.goto(base + "/wall/?screen=map")
    page.wait_for_function(  # a function, not a string: Playwright evals a string, and the
        # policy forbids eval (that it does is what this test is for)
        "() => document.documentElement.getAttribute('data-wall-state') !== null",
        timeout=20_000,
    )
    page.wait_for_selector(".onemap-hazard", timeout=20_000)
    violations("/wall/")

    page.goto(base + "/brief/")
    page.wait_for_selector(".slide.on", timeout=20_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=20_000)
    page.wait_for_selector(".slide-map", state="attached")  # the static map, an image
    violations("/brief/")

    page.goto(base + "/review/")
    page.wait_for_selector(".rv-section", state="attached", timeout=20_000)
    violations("/review/")

    page.goto(base + "/logout")  # the confirmation page, plain HTML
    page.wait_for_selector("form[action^='/logout']")
    violations("/logout")

    assert not problems, "\n".join(problems)
    # and the listener hears a violation: an inline script of no known hash is refused
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("() => window.__ran") is None
    # the pages really were under the policy (an empty header would pass the rest)
    assert len(policies) >= 6
    assert all("script-src 'self' 'sha256-" in p for p in policies), policies
    assert not any("unsafe-eval" in p or "script-src 'self' 'unsafe-inline'" in p for p in policies)
