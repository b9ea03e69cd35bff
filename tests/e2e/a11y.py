"""axe-core in the browser, for every e2e test that opens a page a person reads."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = ("serious", "critical")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each (rule,
    impact, elements); the full report, with how to fix each, is printed for the failure's output."""
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            print(f"{page.url}:", results.generate_report(violation_id=violation["id"]))  # noqa: T201 - the failure's details
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
            found.append(f"{violation['id']} ({violation['impact']}) on {page.url}: {targets}")
    return found
