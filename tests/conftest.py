import os

from hypothesis import HealthCheck, settings

# Sanitizer builds run several times slower: no per-example deadline anywhere.
# "lralg" (the default, and CI's): derandomized, so a run is reproducible and a
# landing does not fail on an example no one saw before. "explore": fresh random
# examples and more of them, for developers before they stop
# (LRALG_HYPOTHESIS_PROFILE=explore). LRALG_HYPOTHESIS_EXAMPLES overrides the count.
_EXAMPLES = os.environ.get("LRALG_HYPOTHESIS_EXAMPLES")
settings.register_profile(
    "lralg",
    deadline=None,
    derandomize=True,
    max_examples=int(_EXAMPLES or 60),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    deadline=None,
    derandomize=False,
    max_examples=int(_EXAMPLES or 1000),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("LRALG_HYPOTHESIS_PROFILE", "lralg"))
