import os

from hypothesis import HealthCheck, settings

# Sanitizer builds run several times slower: no per-example deadline anywhere.
settings.register_profile(
    "lralg",
    deadline=None,
    max_examples=int(os.environ.get("LRALG_HYPOTHESIS_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("lralg")
