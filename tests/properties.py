"""Property-based checks (hypothesis) in two sizes: `make test` runs a short form of each, deterministic and of a
few examples; the same check under `@pytest.mark.long` runs many random ones (`make test-all`)."""

from hypothesis import HealthCheck, given, settings

SHORT_EXAMPLES = 30
LONG_EXAMPLES = 2000


def check(examples: int, *strategies, **named):
    """Run the decorated function now over `examples` examples drawn from the strategies; the short form is
    derandomized, so that `make test` meets the same examples every time."""

    def run(function):
        short = examples <= SHORT_EXAMPLES
        # No example database: nothing is written into the work tree, and a failure is reported with its example.
        quiet = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
        chosen = settings(max_examples=examples, deadline=None, database=None, derandomize=short,
                          suppress_health_check=quiet)  # fmt: skip
        chosen(given(*strategies, **named)(function))()
        return function

    return run
