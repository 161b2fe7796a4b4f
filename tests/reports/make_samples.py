"""Write the sample report to docs/samples/: `.venv/bin/python -m tests.reports.make_samples`."""

from __future__ import annotations

from pathlib import Path

from survey_api.reports import render
from tests.reports.sample import sample_report

OUT = Path(__file__).resolve().parents[2] / "docs" / "samples"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    report = sample_report()
    for fmt in ("docx", "pdf", "xlsx"):
        path = OUT / f"bao-cao-quy-III-2026.{fmt}"
        path.write_bytes(render(report, fmt))
        print(path)


if __name__ == "__main__":
    main()
