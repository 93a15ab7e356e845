"""Where the suite's time goes: `python tests/durations.py LOGDIR` sums the JUnit reports that
tests/both_databases.sh leaves beside its logs, by module and by test, slowest first."""

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def durations(folder: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(seconds per module, seconds per test) over every report in `folder`, the databases summed."""
    modules: dict[str, float] = defaultdict(float)
    tests: dict[str, float] = defaultdict(float)
    for report in sorted(folder.glob("*.xml")):
        for case in ET.parse(report).iter("testcase"):
            seconds = float(case.get("time", 0))
            module = case.get("classname", "").split(".")
            # classname is "tests.pkg.test_mod" or "tests.pkg.test_mod.TestClass"
            while module and not module[-1].startswith("test_"):
                module.pop()
            name = ".".join(module) or case.get("classname", "")
            modules[name] += seconds
            tests[f"{name}::{case.get('name')}"] += seconds
    return modules, tests


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: tests/durations.py LOGDIR (printed by tests/both_databases.sh)")
    modules, tests = durations(Path(argv[1]))
    print(f"total {sum(modules.values()):.0f} s over {len(tests)} tests")
    for title, table, count in (("modules", modules, 40), ("tests", tests, 30)):
        print(f"\nslowest {title}:")
        for name, seconds in sorted(table.items(), key=lambda kv: -kv[1])[:count]:
            print(f"{seconds:8.1f}  {name}")


if __name__ == "__main__":
    main(sys.argv)
