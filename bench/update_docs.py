"""Copy the latest benchmark tables from bench/results/*.json into docs/benchmarks.md.

The page marks where each table goes with a pair of comments:

    <!-- bench:NAME -->
    ...replaced...
    <!-- /bench:NAME -->

where NAME is the name a benchmark passed to bench._harness.report().

    python -m bench.update_docs
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench._harness import RESULTS_DIR, markdown_table

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def render(name: str) -> str:
    result = json.loads((RESULTS_DIR / f"{name}.json").read_text())
    machine = result["machine"]
    threads = machine["lralg_threads"]
    parts = [
        f"*{machine['date']}, {machine['cpu_count']} cores, lralg on {threads} thread{'s' * (threads != 1)}.*"
    ]
    if result.get("note"):
        parts.append(result["note"])
    parts.append(markdown_table(result["rows"], result.get("columns")))
    return "\n\n".join(parts)


def main() -> None:
    text = PAGE.read_text()
    pattern = re.compile(r"(<!-- bench:([\w.-]+) -->\n)(.*?)(<!-- /bench:\2 -->)", re.S)

    def replace(match):
        name = match.group(2)
        if not (RESULTS_DIR / f"{name}.json").exists():
            print(f"no results for {name}; left as it is")
            return match.group(0)
        print(f"updated {name}")
        return match.group(1) + render(name) + "\n" + match.group(4)

    PAGE.write_text(pattern.sub(replace, text))


if __name__ == "__main__":
    main()
